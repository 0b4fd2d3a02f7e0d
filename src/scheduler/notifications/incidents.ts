/**
 * Incidents turn a stream of outcomes into messages: the first failure of a subject opens an
 * incident (one message), repeats only count, and the first success after it closes it (one
 * recovery message). A change of kind (failing → needs MFA) is a new situation and is reported.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, IncidentKind } from '../../store/schema.js';

export type Outcome = { ok: true } | { ok: false; kind: IncidentKind; message: string };

export type IncidentChange =
  | { change: 'opened'; kind: IncidentKind; message: string }
  | { change: 'recovered'; kind: IncidentKind; message: string; openedAt: string; occurrences: number }
  | { change: 'none' };

export async function recordOutcome(
  db: Kysely<Database>,
  familyId: string,
  subject: string,
  outcome: Outcome,
  now: Date = new Date(),
): Promise<IncidentChange> {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const open = await trx
      .selectFrom('incidents')
      .selectAll()
      .where('family_id', '=', familyId)
      .where('subject', '=', subject)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    if (outcome.ok) {
      if (!open) return { change: 'none' };
      await trx
        .updateTable('incidents')
        .set({ resolved_at: at, last_seen_at: at })
        .where('id', '=', open.id)
        .execute();
      return {
        change: 'recovered',
        kind: open.kind,
        message: open.message,
        openedAt: open.opened_at,
        occurrences: open.occurrences,
      };
    }
    if (open && open.kind === outcome.kind) {
      await trx
        .updateTable('incidents')
        .set({ occurrences: open.occurrences + 1, last_seen_at: at, message: outcome.message })
        .where('id', '=', open.id)
        .execute();
      return { change: 'none' };
    }
    if (open) {
      await trx.updateTable('incidents').set({ resolved_at: at }).where('id', '=', open.id).execute();
    }
    await trx
      .insertInto('incidents')
      .values({
        id: randomUUID(),
        family_id: familyId,
        subject,
        kind: outcome.kind,
        message: outcome.message,
        occurrences: 1,
        opened_at: at,
        last_seen_at: at,
        resolved_at: null,
      })
      .execute();
    return { change: 'opened', kind: outcome.kind, message: outcome.message };
  });
}

export async function openIncidents(db: Kysely<Database>, familyId: string) {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('family_id', '=', familyId)
    .where('resolved_at', 'is', null)
    .orderBy('opened_at')
    .execute();
}

/** Resolved incidents are kept this long (for "since when" in a recovery message), then deleted. */
export const RESOLVED_INCIDENT_KEEP_DAYS = 90;

/**
 * Housekeeping (the scheduler runs it now and then): deletes incidents resolved more than
 * RESOLVED_INCIDENT_KEEP_DAYS ago, and closes, without a message, open incidents whose subject is
 * gone (a deleted connection, a destination switched off): nothing would ever recover them, and a
 * later incident of the same subject must be announced as new.
 */
export async function cleanupIncidents(
  db: Kysely<Database>,
  now: Date = new Date(),
): Promise<{ deleted: number; closed: number }> {
  const at = now.toISOString();
  const before = new Date(now.getTime() - RESOLVED_INCIDENT_KEEP_DAYS * 86_400_000).toISOString();
  const deleted = await db
    .deleteFrom('incidents')
    .where('resolved_at', 'is not', null)
    .where('resolved_at', '<', before)
    .executeTakeFirst();
  const closed = await db
    .updateTable('incidents')
    .set({ resolved_at: at })
    .where('resolved_at', 'is', null)
    .where(
      sql<boolean>`(subject like 'connection:%' and not exists (
        select 1 from connections c
        where c.family_id = incidents.family_id and 'connection:' || c.id = incidents.subject))
      or (subject like 'delivery:%' and not exists (
        select 1 from schedule_destinations d
        where d.family_id = incidents.family_id and d.enabled = 1
          and 'delivery:' || d.destination = incidents.subject))`,
    )
    .executeTakeFirst();
  return { deleted: Number(deleted.numDeletedRows), closed: Number(closed.numUpdatedRows) };
}

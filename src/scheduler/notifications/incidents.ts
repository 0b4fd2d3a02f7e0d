/**
 * Incidents turn a stream of outcomes into messages: the first failure of a subject opens an
 * incident (one message), repeats only count, and the first success after it closes it (one
 * recovery message). A change of kind (failing → needs MFA) is a new situation and is reported.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
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

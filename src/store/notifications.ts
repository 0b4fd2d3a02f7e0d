/**
 * Notifications in the ledger: a family's channels (their shown settings open, everything that
 * grants access sealed and bound to its row) and incidents, which turn a stream of outcomes into
 * messages: the first failure of a subject opens one, repeats only count, the first success after
 * it closes it. A change of kind (failing → needs MFA) is a new incident.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { IncidentKind, IncidentsTable, NotificationChannelKind } from './schema.js';
import type { SecretBox } from './secret-box.js';
import { inTransaction, type Db } from './util.js';

export type Outcome = { ok: true } | { ok: false; kind: IncidentKind; message: string };

export type IncidentChange =
  | { change: 'opened'; kind: IncidentKind; message: string }
  | { change: 'recovered'; kind: IncidentKind; message: string; openedAt: string; occurrences: number }
  | { change: 'none' };

export type Incident = Selectable<IncidentsTable>;

/** A channel as stored: `secret()` opens its sealed part (it throws when the key changed). */
export interface NotificationChannelRecord {
  id: string;
  familyId: string;
  kind: NotificationChannelKind;
  name: string;
  enabled: boolean;
  onSuccess: boolean;
  /** The part a page may show. */
  settings: Record<string, unknown>;
  secret(): Record<string, unknown>;
}

/** Resolved incidents are kept this long (for "since when" in a recovery message), then deleted. */
export const RESOLVED_INCIDENT_KEEP_DAYS = 90;

const aad = (familyId: string, id: string) => `notification_channel:${familyId}:${id}`;

export function notificationChannelsRepository(db: Db, secrets: SecretBox) {
  return {
    /** Stores a channel, its `secret` part sealed; returns its id. */
    async addNotificationChannel(
      familyId: string,
      input: {
        kind: NotificationChannelKind;
        name: string;
        enabled: boolean;
        onSuccess: boolean;
        settings: Record<string, unknown>;
        secret: Record<string, unknown>;
      },
      now: Date,
    ): Promise<string> {
      const id = randomUUID();
      await db
        .insertInto('notification_channels')
        .values({
          id,
          family_id: familyId,
          kind: input.kind,
          name: input.name,
          enabled: input.enabled ? 1 : 0,
          on_success: input.onSuccess ? 1 : 0,
          settings: JSON.stringify(input.settings),
          secret_sealed: secrets.seal(JSON.stringify(input.secret), aad(familyId, id)),
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .execute();
      return id;
    },

    /** The family's channels (or those of `ids`), oldest first; secrets open only when asked. */
    async notificationChannels(familyId: string, ids?: string[]): Promise<NotificationChannelRecord[]> {
      let q = db
        .selectFrom('notification_channels')
        .selectAll()
        .where('family_id', '=', familyId)
        .orderBy('created_at');
      if (ids?.length) q = q.where('id', 'in', ids);
      return (await q.execute()).map((row) => ({
        id: row.id,
        familyId: row.family_id,
        kind: row.kind,
        name: row.name,
        enabled: row.enabled === 1,
        onSuccess: row.on_success === 1,
        settings: JSON.parse(row.settings) as Record<string, unknown>,
        secret: () =>
          row.secret_sealed
            ? (JSON.parse(secrets.open(row.secret_sealed, aad(row.family_id, row.id))) as Record<
                string,
                unknown
              >)
            : {},
      }));
    },

    async updateNotificationChannel(
      familyId: string,
      id: string,
      patch: { enabled?: boolean; onSuccess?: boolean; name?: string },
      now: Date = new Date(),
    ): Promise<boolean> {
      const r = await db
        .updateTable('notification_channels')
        .set({
          ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
          ...(patch.onSuccess === undefined ? {} : { on_success: patch.onSuccess ? 1 : 0 }),
          ...(patch.name === undefined ? {} : { name: patch.name.trim() }),
          updated_at: now.toISOString(),
        })
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async removeNotificationChannel(familyId: string, id: string): Promise<boolean> {
      const r = await db
        .deleteFrom('notification_channels')
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export function incidentsRepository(db: Db) {
  return {
    /** Records a subject's outcome and says whether an incident opened, recovered, or neither. */
    async recordIncidentOutcome(
      familyId: string,
      subject: string,
      outcome: Outcome,
      now: Date = new Date(),
    ): Promise<IncidentChange> {
      const at = now.toISOString();
      return inTransaction(db, async (trx): Promise<IncidentChange> => {
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
    },

    openIncidents(familyId: string): Promise<Incident[]> {
      return db
        .selectFrom('incidents')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('resolved_at', 'is', null)
        .orderBy('opened_at')
        .execute();
    },

    /**
     * Housekeeping (the scheduler runs it now and then): deletes incidents resolved more than
     * RESOLVED_INCIDENT_KEEP_DAYS ago, and closes, without a message, open incidents whose subject
     * is gone (a deleted connection, a destination switched off): nothing would ever recover them,
     * and a later incident of the same subject must be announced as new.
     */
    async cleanupIncidents(now: Date = new Date()): Promise<{ deleted: number; closed: number }> {
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
    },

    /** The bank names of the family's logins among `connectionIds`, by login id. */
    async institutionNames(familyId: string, connectionIds: string[]): Promise<Map<string, string>> {
      if (connectionIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('connections')
        .select(['id', 'institution_name'])
        .where('family_id', '=', familyId)
        .where('id', 'in', connectionIds)
        .execute();
      return new Map(rows.map((r) => [r.id, r.institution_name]));
    },
  };
}

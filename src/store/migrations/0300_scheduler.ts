import type { Kysely } from 'kysely';
import { bigintType } from './columns.js';

/**
 * Automatic syncs, notifications and file exports (src/scheduler, src/destinations/files):
 * - schedules: one per family (cron, on/off, an optional family budget);
 * - schedule_destinations: per family and destination, whether delivery follows a scheduled sync;
 * - scheduler_locks: one row per lock name, taken by a single atomic upsert (owner + expiry);
 * - scheduler_backoff: growing retry delays per failing connection ('*' = the whole family);
 * - notification_channels: webhook / ntfy / e-mail, secrets sealed by the secret box;
 * - incidents: one open row per failing subject, so a failure is reported once, and its recovery once;
 * - export_cursors: the last transactions.change_seq a file destination delivered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('family_id', 'text', (c) => c.primaryKey().references('families.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('monthly_budget', 'integer')
    .addColumn('last_run_at', 'text')
    .addColumn('last_outcome', 'text')
    .addColumn('last_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('schedule_destinations')
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('last_delivery_at', 'text')
    .addColumn('last_outcome', 'text')
    .addColumn('last_message', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_destinations_pk', ['family_id', 'destination'])
    .execute();

  await db.schema
    .createTable('scheduler_locks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('scheduler_backoff')
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scheduler_backoff_pk', ['family_id', 'connection_id'])
    .execute();

  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('on_success', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notification_channels_family')
    .on('notification_channels')
    .column('family_id')
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema
    .createIndex('incidents_family_subject')
    .on('incidents')
    .columns(['family_id', 'subject', 'resolved_at'])
    .execute();

  await db.schema
    .createTable('export_cursors')
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('change_seq', bigintType(db), (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('export_cursors_pk', ['family_id', 'destination'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'export_cursors',
    'incidents',
    'notification_channels',
    'scheduler_backoff',
    'scheduler_locks',
    'schedule_destinations',
    'schedules',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

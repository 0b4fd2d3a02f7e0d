import type { Kysely } from 'kysely';
import { bigintType } from './columns.js';

/**
 * What the ledger store needs beyond 0001: a `meta` table (key check of the secret key, the
 * command-line family), the institution's country (currency default at linking), the provider
 * account's own status/due date, the link an unlinked account had (re-linking reuses its history
 * instead of duplicating it downstream), and tombstones that destinations can find by change
 * sequence (to delete what they delivered).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('connections').addColumn('country_code', 'text').execute();

  await db.schema.alterTable('provider_accounts').addColumn('remote_status', 'text').execute();
  await db.schema.alterTable('provider_accounts').addColumn('due_date', 'text').execute();
  await db.schema.alterTable('provider_accounts').addColumn('last_updated', 'text').execute();

  await db.schema.alterTable('accounts').addColumn('previous_sophtron_account_id', 'text').execute();

  await db.schema.alterTable('tombstones').addColumn('transaction_id', bigintType(db)).execute();
  await db.schema.alterTable('tombstones').addColumn('change_seq', bigintType(db)).execute();
  await db.schema.createIndex('tombstones_change_seq').on('tombstones').column('change_seq').execute();

  await db.schema
    .createIndex('provider_accounts_connection')
    .on('provider_accounts')
    .column('connection_id')
    .execute();
  await db.schema.createIndex('connections_family').on('connections').column('family_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('connections_family').ifExists().execute();
  await db.schema.dropIndex('provider_accounts_connection').ifExists().execute();
  await db.schema.dropIndex('tombstones_change_seq').ifExists().execute();
  await db.schema.alterTable('tombstones').dropColumn('change_seq').execute();
  await db.schema.alterTable('tombstones').dropColumn('transaction_id').execute();
  await db.schema.alterTable('accounts').dropColumn('previous_sophtron_account_id').execute();
  await db.schema.alterTable('provider_accounts').dropColumn('last_updated').execute();
  await db.schema.alterTable('provider_accounts').dropColumn('due_date').execute();
  await db.schema.alterTable('provider_accounts').dropColumn('remote_status').execute();
  await db.schema.alterTable('connections').dropColumn('country_code').execute();
  await db.schema.dropTable('meta').ifExists().execute();
}

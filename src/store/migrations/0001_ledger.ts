import { sql, type Kysely } from 'kysely';
import { autoIdColumn, bigintType } from './columns.js';

// Migrations take Kysely<unknown>: they must not depend on today's table types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('families')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('credentials')
    .addColumn('family_id', 'text', (c) => c.primaryKey().references('families.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('access_key_sealed', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('user_institution_id', 'text', (c) => c.notNull())
    .addColumn('institution_id', 'text', (c) => c.notNull())
    .addColumn('institution_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('last_refreshed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('connections_family_ui', ['family_id', 'user_institution_id'])
    .execute();

  await db.schema
    .createTable('provider_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('sophtron_account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('number_mask', 'text')
    .addColumn('raw_type', 'text')
    .addColumn('sub_type', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('balance_minor', bigintType(db))
    .addColumn('available_minor', bigintType(db))
    .addColumn('currency_hint', 'text')
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('provider_accounts_family_sa', ['family_id', 'sophtron_account_id'])
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('provider_account_id', 'text', (c) =>
      c.unique().references('provider_accounts.id').onDelete('set null'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('balance_rule', 'text', (c) => c.notNull())
    .addColumn('sync_start_date', 'text')
    .addColumn('synced_through', 'text')
    .addColumn('last_sync_at', 'text')
    .addColumn('last_sync_outcome', 'text')
    .addColumn('last_sync_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_family').on('accounts').column('family_id').execute();

  await db.schema
    .createTable('transactions')
    .addColumn('id', bigintType(db), autoIdColumn(db))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('provider_transaction_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount_minor', bigintType(db), (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('transaction_date', 'text')
    .addColumn('post_date', 'text')
    .addColumn('description', 'text')
    .addColumn('merchant', 'text')
    .addColumn('category', 'text')
    .addColumn('memo', 'text')
    .addColumn('check_number', 'text')
    .addColumn('replaced_pending_id', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_date', 'text', (c) => c.notNull())
    .addColumn('vanished_at', 'text')
    .addColumn('change_seq', bigintType(db), (c) => c.notNull())
    .addUniqueConstraint('transactions_account_ptid', ['account_id', 'provider_transaction_id'])
    .execute();
  await db.schema
    .createIndex('transactions_account_date')
    .on('transactions')
    .columns(['account_id', 'date'])
    .execute();
  await db.schema.createIndex('transactions_change_seq').on('transactions').column('change_seq').execute();

  await db.schema
    .createTable('tombstones')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('provider_transaction_id', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .addColumn('deleted_by', 'text')
    .addPrimaryKeyConstraint('tombstones_pk', ['account_id', 'provider_transaction_id'])
    .execute();

  await db.schema
    .createTable('change_counter')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', bigintType(db), (c) => c.notNull())
    .execute();
  await sql`insert into change_counter (id, value) values (1, 0)`.execute(db);

  await db.schema
    .createTable('balance_snapshots')
    .addColumn('id', bigintType(db), autoIdColumn(db))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .addColumn('current_minor', bigintType(db))
    .addColumn('available_minor', bigintType(db))
    .addColumn('currency', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('balance_snapshots_account_time')
    .on('balance_snapshots')
    .columns(['account_id', 'taken_at'])
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('sophtron_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('sync_runs_family_started')
    .on('sync_runs')
    .columns(['family_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('sync_run_accounts')
    .addColumn('run_id', 'text', (c) => c.notNull().references('sync_runs.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('window_from', 'text')
    .addColumn('window_to', 'text')
    .addColumn('new_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('merged_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('vanished_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sophtron_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('sync_run_accounts_pk', ['run_id', 'account_id'])
    .execute();

  await db.schema
    .createTable('sophtron_usage')
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sophtron_usage_pk', ['family_id', 'month', 'endpoint'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'sophtron_usage',
    'sync_run_accounts',
    'sync_runs',
    'balance_snapshots',
    'change_counter',
    'tombstones',
    'transactions',
    'accounts',
    'provider_accounts',
    'connections',
    'credentials',
    'families',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

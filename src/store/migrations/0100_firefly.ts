import type { Kysely } from 'kysely';
import { bigintType } from './columns.js';

// Tables of the Firefly III destination. Migrations take Kysely<unknown>: they must not depend on today's types.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One Firefly III per family; the token is sealed by the store's secret box.
  await db.schema
    .createTable('firefly_settings')
    .addColumn('family_id', 'text', (c) => c.primaryKey().references('families.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('options_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Ledger account → Firefly account. state 'creating' is written before the POST, so a crash
  // between the POST and its answer is resolved by looking the account up by name on the next run.
  await db.schema
    .createTable('firefly_accounts')
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('firefly_account_id', 'text')
    .addColumn('firefly_name', 'text', (c) => c.notNull())
    .addColumn('firefly_type', 'text', (c) => c.notNull())
    .addColumn('created_by_us', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('opening_balance_minor', bigintType(db))
    .addColumn('opening_balance_date', 'text')
    .addColumn('checked_at', 'text')
    .addColumn('checked_firefly_minor', bigintType(db))
    .addColumn('checked_bank_minor', bigintType(db))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('firefly_accounts_pk', ['family_id', 'account_id'])
    .execute();

  // Ledger transaction → Firefly transaction group. 'sending' is written before every POST: an
  // unknown outcome is resolved on the next run by searching Firefly for the external_id.
  await db.schema
    .createTable('firefly_transactions')
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('transaction_id', bigintType(db), (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('firefly_group_id', 'text')
    .addColumn('firefly_journal_id', 'text')
    .addColumn('delivered_seq', bigintType(db), (c) => c.notNull())
    .addColumn('delivered_pending', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_amount_minor', bigintType(db))
    .addColumn('content_hash', 'text')
    .addColumn('note', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('firefly_transactions_pk', ['family_id', 'transaction_id'])
    .execute();
  await db.schema
    .createIndex('firefly_transactions_state')
    .on('firefly_transactions')
    .columns(['family_id', 'state'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['firefly_transactions', 'firefly_accounts', 'firefly_settings']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

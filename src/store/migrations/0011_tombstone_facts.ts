import { sql, type Kysely } from 'kysely';
import { bigintType } from './columns.js';

/**
 * Tombstones remember what the user deleted, not only its TransactionID, because a bank does not keep
 * ids stable: a deleted pending transaction posts under a new id (the sync must recognise that
 * posted successor by amount, date and description, as it does for merges), and a deleted merged
 * row leaves its pending id behind (the bank may still list the pending copy).
 * Rows written before this migration have no facts: they still block their own id, nothing more.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = () => db.schema.alterTable('tombstones');
  // 'deleted' (the row the user deleted), 'pending_copy' (the pending id a deleted merged row had
  // replaced), 'successor' (the posted transaction that replaced a deleted pending one).
  await t()
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('deleted'))
    .execute();
  await t().addColumn('status', 'text').execute();
  await t().addColumn('amount_minor', bigintType(db)).execute();
  await t().addColumn('date', 'text').execute();
  await t().addColumn('description', 'text').execute();
  await t().addColumn('merchant', 'text').execute();
  await t().addColumn('replaced_pending_id', 'text').execute();
  await t().addColumn('successor_id', 'text').execute();
  // Deleted pending rows still waiting for their posted successor, read by date like pending rows.
  await sql`create index tombstones_account_open_pending on tombstones (account_id, date) where status = 'pending' and successor_id is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tombstones_account_open_pending').ifExists().execute();
  for (const c of [
    'successor_id',
    'replaced_pending_id',
    'merchant',
    'description',
    'date',
    'amount_minor',
    'status',
    'origin',
  ]) {
    await db.schema.alterTable('tombstones').dropColumn(c).execute();
  }
}

import { sql, type Kysely } from 'kysely';

/**
 * Indexes the sync engine needs so that a sync reads only its window, however long the history:
 * every pending row of an account (they may have vanished or found their posted row), and merged rows
 * by the pending TransactionID they replaced. Both are partial, so they stay as small as the pending
 * and merged rows themselves.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index transactions_account_pending on transactions (account_id, date) where status = 'pending'`.execute(
    db,
  );
  await sql`create index transactions_account_replaced on transactions (account_id, replaced_pending_id) where replaced_pending_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('transactions_account_replaced').ifExists().execute();
  await db.schema.dropIndex('transactions_account_pending').ifExists().execute();
}

/**
 * A long ledger history in one go, for tests and benchmarks that need volume: `count` posted
 * transactions on an account, 40 a day going back from `before`, in batches of 500 rows.
 */
import type { Kysely } from 'kysely';
import { addDays } from '../../src/dates.js';
import type { Database } from '../../src/store/schema.js';

export async function seedHistory(
  db: Kysely<Database>,
  accountId: string,
  count: number,
  before: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i += 500) {
      await trx
        .insertInto('transactions')
        .values(
          Array.from({ length: Math.min(500, count - i) }, (_, k) => {
            const n = i + k;
            return {
              account_id: accountId,
              provider_transaction_id: `hist-${n}`,
              status: 'posted' as const,
              amount_minor: -((n % 9000) + 100),
              currency: 'USD',
              date: addDays(before, -1 - Math.floor(n / 40)),
              transaction_date: null,
              post_date: null,
              description: `HISTORIC PURCHASE ${n % 300}`,
              merchant: n % 7 === 0 ? `Shop ${n % 13}` : null,
              category: null,
              memo: null,
              check_number: null,
              replaced_pending_id: null,
              first_seen_at: 'seed',
              last_seen_at: 'seed',
              last_seen_date: before,
              vanished_at: null,
              change_seq: 0,
            };
          }),
        )
        .execute();
    }
  });
}

/**
 * The ledger's reads for pages and exports on a large family: 100,000 transactions over 5
 * accounts. Figures: time of the first page (newest first), a deep page, a text search, a date
 * range of one account, tombstoning a row, and the raw insert rate used to build it.
 */
import { performance } from 'node:perf_hooks';
import { openTempStore, providerAccount } from '../../test/fakes/ledger-store.js';
import { nextChangeSeq } from '../../src/store/transactions.js';
import type { BenchResult } from '../run.js';

const ACCOUNTS = 5;
const PER_ACCOUNT = 20_000;

async function timed<T>(fn: () => Promise<T>, times = 5): Promise<{ ms: number; value: T }> {
  let value!: T;
  const start = performance.now();
  for (let i = 0; i < times; i++) value = await fn();
  return { ms: (performance.now() - start) / times, value };
}

export async function run(): Promise<BenchResult> {
  const { store, cleanup } = await openTempStore();
  try {
    const f = await store.createFamily({ name: 'Big', timeZone: 'UTC' });
    const c = await store.upsertConnection(f.id, {
      userInstitutionId: 'ui',
      institutionId: 'i',
      institutionName: 'Bank',
      status: 'connected',
    });
    await store.upsertProviderAccounts(
      f.id,
      c.id,
      Array.from({ length: ACCOUNTS }, (_, i) =>
        providerAccount({ accountId: `acc-${i}`, name: `Account ${i}` }),
      ),
    );
    const accountIds: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++)
      accountIds.push((await store.linkAccount(f.id, `acc-${i}`)).account.id);

    const words = ['Coffee', 'Groceries', 'Rent', 'Salary', 'Fuel', 'Pharmacy', 'Books', 'Transfer'];
    const insertStart = performance.now();
    for (const accountId of accountIds) {
      await store.transaction(async (tx) => {
        for (let k = 0; k < PER_ACCOUNT; k += 500) {
          const rows = [];
          for (let j = k; j < k + 500; j++) {
            const day = new Date(Date.UTC(2020, 0, 1) + (j % 2000) * 86_400_000).toISOString().slice(0, 10);
            rows.push({
              account_id: accountId,
              provider_transaction_id: `t-${j}`,
              status: 'posted' as const,
              amount_minor: -((j * 37) % 100_000),
              currency: 'USD',
              date: day,
              transaction_date: day,
              post_date: null,
              description: `${words[j % words.length]} #${j}`,
              merchant: null,
              category: null,
              memo: null,
              check_number: null,
              replaced_pending_id: null,
              first_seen_at: 'x',
              last_seen_at: 'x',
              last_seen_date: day,
              vanished_at: null,
              change_seq: await nextChangeSeq(tx.db),
            });
          }
          await tx.db.insertInto('transactions').values(rows).execute();
        }
      });
    }
    const insertMs = performance.now() - insertStart;
    const total = ACCOUNTS * PER_ACCOUNT;

    const first = await timed(() => store.listTransactions(f.id, { limit: 50 }));
    const deep = await timed(() => store.listTransactions(f.id, { limit: 50, offset: 90_000 }));
    const cursor = (await store.listTransactions(f.id, { limit: 90_000, withTotal: false })).next!;
    const keyset = await timed(() =>
      store.listTransactions(f.id, { limit: 50, after: cursor, withTotal: false }),
    );
    const search = await timed(() => store.listTransactions(f.id, { search: 'pharmacy #1234', limit: 50 }));
    const range = await timed(() =>
      store.listTransactions(f.id, {
        accountId: accountIds[0],
        from: '2021-01-01',
        to: '2021-03-31',
        limit: 500,
      }),
    );
    const del = await timed(async () => {
      const [row] = (await store.listTransactions(f.id, { limit: 1 })).rows;
      return store.deleteTransaction(f.id, row!.id);
    });
    return {
      name: `ledger reads (${total.toLocaleString('en-US')} transactions, ${ACCOUNTS} accounts)`,
      figures: {
        'build: rows per second': Math.round(total / (insertMs / 1000)),
        'first page of 50 (ms)': first.ms.toFixed(1),
        'page at offset 90,000 (ms)': deep.ms.toFixed(1),
        'same page by keyset, no count (ms)': keyset.ms.toFixed(1),
        'text search (ms)': search.ms.toFixed(1),
        'text search matches': search.value.total,
        'one account, one quarter (ms)': range.ms.toFixed(1),
        'one quarter rows': range.value.total,
        'tombstoning delete (ms)': del.ms.toFixed(1),
      },
    };
  } finally {
    await cleanup();
  }
}

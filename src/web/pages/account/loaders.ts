/** What an account's page reads: the filtered page of transactions, its balances and their history. */
import { z } from 'zod';
import { calendarDateIn } from '../../../dates.js';
import type { Account, BalanceSnapshot, LedgerTransaction, Store } from '../../../store/index.js';
import type { LedgerTransactionStatus } from '../../../store/schema.js';
import { balanceDirection, balanceHistory, type BalancePoint } from '../../components/balance-history.js';
import { familyTimeZone } from '../../users.js';

export const PAGE_SIZE = 50;

const dateOrEmpty = z
  .string()
  .trim()
  .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD')
  .optional()
  .transform((v) => (v ? v : undefined));

const filterSchema = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(['all', 'pending', 'posted', 'vanished']).optional().default('all'),
  from: dateOrEmpty,
  to: dateOrEmpty,
  page: z.coerce.number().int().min(1).max(100_000).optional().default(1),
});
export type TransactionFilters = z.infer<typeof filterSchema>;

export interface AccountView {
  account: Account;
  /** The filters in force; when the query's were not understood, none (`filtersOk` false). */
  filters: TransactionFilters;
  filtersOk: boolean;
  rows: LedgerTransaction[];
  total: number;
  /** The newest balance snapshot, if any. */
  latest: BalanceSnapshot | undefined;
  history: BalancePoint[];
  timeZone: string;
}

/** The chart's points: reported balances, and before the first one those derived from transactions. */
async function loadHistory(
  store: Store,
  familyId: string,
  account: Account,
  balances: BalanceSnapshot[],
  tz: string,
) {
  const reported = balances
    .filter((b) => b.current_minor !== null)
    .map((b) => ({ at: b.taken_at, minor: b.current_minor! }));
  return balanceHistory({
    snapshots: reported,
    dailyNet: reported[0]
      ? await store.dailyPostedTotals(familyId, account.id, calendarDateIn(new Date(reported[0].at), tz))
      : [],
    direction: balanceDirection(account.balance_rule),
    timeZone: tz,
  });
}

export async function loadAccountView(
  store: Store,
  familyId: string,
  account: Account,
  query: Record<string, string>,
): Promise<AccountView> {
  const parsed = filterSchema.safeParse(query);
  const f = parsed.success ? parsed.data : filterSchema.parse({});
  const tz = await familyTimeZone(store, familyId);
  const { rows, total } = await store.listTransactions(familyId, {
    accountId: account.id,
    ...(f.q ? { search: f.q } : {}),
    ...(f.status !== 'all' ? { status: f.status as LedgerTransactionStatus } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
    limit: PAGE_SIZE,
    offset: (f.page - 1) * PAGE_SIZE,
  });
  const balances = await store.listBalances(familyId, account.id, { limit: 500 });
  return {
    account,
    filters: f,
    filtersOk: parsed.success,
    rows,
    total,
    latest: balances[balances.length - 1],
    history: await loadHistory(store, familyId, account, balances, tz),
    timeZone: tz,
  };
}

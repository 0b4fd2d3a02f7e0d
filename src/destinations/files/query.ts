/**
 * What an export holds: a family's accounts (with their latest balance) and their transactions,
 * filtered by account, date range and change sequence; the filter checked here, the rows read
 * through the store's read model (src/store/exports.ts).
 */
import type { Store } from '../../store/index.js';
import type { AccountKind, BalanceRule, LedgerTransactionStatus } from '../../store/schema.js';

export interface ExportFilter {
  /** Ledger account ids; empty or absent = every account of the family. */
  accountIds?: string[];
  /** Inclusive calendar dates (YYYY-MM-DD) on the transaction's ledger date. */
  from?: string;
  to?: string;
  /** Only transactions whose change_seq is greater (a file destination's cursor). */
  afterChangeSeq?: number;
  /** Leave out vanished transactions (default true: they are no longer at the bank). */
  excludeVanished?: boolean;
}

export interface ExportAccount {
  id: string;
  name: string;
  kind: AccountKind;
  currency: string;
  balanceRule: BalanceRule;
  institutionName: string | null;
  numberMask: string | null;
  subType: string | null;
  balance: { currentMinor: number | null; availableMinor: number | null; asOf: string } | null;
}

export interface ExportTransaction {
  id: number;
  accountId: string;
  providerTransactionId: string;
  status: LedgerTransactionStatus;
  amountMinor: number;
  currency: string;
  date: string;
  transactionDate: string | null;
  postDate: string | null;
  description: string | null;
  merchant: string | null;
  category: string | null;
  memo: string | null;
  checkNumber: string | null;
  replacedPendingId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  vanishedAt: string | null;
  changeSeq: number;
}

export interface ExportData {
  familyId: string;
  familyName: string;
  accounts: ExportAccount[];
  transactions: ExportTransaction[];
  /** Highest change_seq among the transactions (the cursor after delivering them), or null. */
  maxChangeSeq: number | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class ExportFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFilterError';
  }
}

/** What an export reads of the store. */
export type ExportStore = Pick<Store, 'getFamily' | 'exportAccounts' | 'exportTransactions'>;

export async function loadExportData(
  store: ExportStore,
  familyId: string,
  filter: ExportFilter = {},
): Promise<ExportData> {
  for (const [field, value] of [
    ['from', filter.from],
    ['to', filter.to],
  ] as const) {
    if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(value)))) {
      throw new ExportFilterError(`${field}: expected a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new ExportFilterError(`from (${filter.from}) is after to (${filter.to})`);
  }
  const family = await store.getFamily(familyId);
  if (!family) throw new ExportFilterError(`family ${familyId} does not exist`);

  const wanted = filter.accountIds?.filter((x) => x.length > 0) ?? [];
  const accountRows = await store.exportAccounts(familyId, wanted);
  const missing = wanted.filter((id) => !accountRows.some((a) => a.id === id));
  if (missing.length > 0)
    throw new ExportFilterError(`account: no account ${missing.join(', ')} in this family`);

  const accounts: ExportAccount[] = accountRows.map((a) => ({
    id: a.id,
    name: a.name,
    kind: a.kind,
    currency: a.currency,
    balanceRule: a.balance_rule,
    institutionName: a.institution_name ?? null,
    numberMask: a.number_mask ?? null,
    subType: a.sub_type ?? null,
    balance: a.balance
      ? {
          currentMinor: a.balance.current_minor,
          availableMinor: a.balance.available_minor,
          asOf: a.balance.taken_at,
        }
      : null,
  }));

  const ids = accounts.map((a) => a.id);
  const order = new Map(ids.map((id, i) => [id, i]));
  const transactions: ExportTransaction[] = (await store.exportTransactions(familyId, ids, filter))
    .map((t) => ({
      id: t.id,
      accountId: t.account_id,
      providerTransactionId: t.provider_transaction_id,
      status: t.status,
      amountMinor: t.amount_minor,
      currency: t.currency,
      date: t.date,
      transactionDate: t.transaction_date,
      postDate: t.post_date,
      description: t.description,
      merchant: t.merchant,
      category: t.category,
      memo: t.memo,
      checkNumber: t.check_number,
      replacedPendingId: t.replaced_pending_id,
      firstSeenAt: t.first_seen_at,
      lastSeenAt: t.last_seen_at,
      vanishedAt: t.vanished_at,
      changeSeq: t.change_seq,
    }))
    // accounts in the same order as the account list (by name), dates ascending within
    .sort((x, y) => order.get(x.accountId)! - order.get(y.accountId)! || 0);
  const maxChangeSeq = transactions.reduce<number | null>(
    (m, t) => (m === null || t.changeSeq > m ? t.changeSeq : m),
    null,
  );
  return { familyId: family.id, familyName: family.name, accounts, transactions, maxChangeSeq };
}

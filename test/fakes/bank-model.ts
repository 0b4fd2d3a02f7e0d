/**
 * A tiny model of a bank for property tests of the sync: a list of purchases, each with a life
 * (posted at once; pending then posted under the same TransactionID; pending then posted under a new
 * one, possibly both listed for a while; pending then cancelled; a posted row the bank edits later),
 * and what the bank lists on a given day. The truth the ledger must end with is `postedTruth`.
 */
import { addDays } from '../../src/dates.js';
import type { ProviderTransactionData } from '../../src/domain/types.js';

export type PurchaseKind = 'posted' | 'same_id' | 'new_id' | 'cancel';

export interface Purchase {
  kind: PurchaseKind;
  /** Few distinct values on purpose: they make ambiguous pending/posted pairs common. */
  amount: number;
  merchant: number;
  start: number;
  /** Days from the pending row's first listing to its posting or cancellation. */
  settleAfter: number;
  /** Days the posted date is after the pending date (at most settleAfter: a bank does not post ahead). */
  shift: number;
  /** Days the bank keeps listing the pending row after the posted one appears (new_id only). */
  bothDays: number;
  /** Day the bank edits the description of the posted row, if ever. */
  editDay: number | null;
}

export const MERCHANTS = ['AMAZON MKTPLACE', 'SHELL OIL', 'STARBUCKS STORE', 'ACME PAYROLL'];
export const EPOCH = '2026-01-01';
export const dayDate = (day: number): string => addDays(EPOCH, day);

const tx = (
  id: string,
  accountId: string,
  status: 'pending' | 'posted',
  p: Purchase,
  date: number,
  description: string,
): ProviderTransactionData => ({
  transactionId: id,
  accountId,
  status,
  amount: p.amount,
  currencyHint: '$',
  date: dayDate(date),
  transactionDate: dayDate(p.start),
  postDate: status === 'posted' ? dayDate(date) : null,
  description,
  merchant: null,
  category: null,
  memo: null,
  checkNumber: null,
  type: p.amount < 0 ? 'debit' : 'credit',
});

export function pendingId(i: number, p: Purchase): string {
  return p.kind === 'new_id' ? `p${i}` : `x${i}`;
}
export function postedId(i: number, p: Purchase): string {
  return p.kind === 'new_id' ? `t${i}` : `x${i}`;
}

/** Everything the bank lists on `day`, in no particular order. */
export function bankView(
  purchases: readonly Purchase[],
  day: number,
  accountId = 'acct',
): ProviderTransactionData[] {
  const out: ProviderTransactionData[] = [];
  purchases.forEach((p, i) => {
    if (day < p.start) return;
    const m = MERCHANTS[p.merchant % MERCHANTS.length]!;
    const posting = p.start + p.settleAfter;
    const postedText =
      p.editDay !== null && day >= p.editDay ? `${m} CORRECTED` : `${m} #${1000 + i} 01/${(i % 28) + 1}`;
    const pendingText = `POS PENDING ${m}`;
    switch (p.kind) {
      case 'posted':
        out.push(tx(postedId(i, p), accountId, 'posted', p, p.start, postedText));
        break;
      case 'same_id':
        if (day < posting) out.push(tx(pendingId(i, p), accountId, 'pending', p, p.start, pendingText));
        else
          out.push(
            tx(
              postedId(i, p),
              accountId,
              'posted',
              p,
              p.start + Math.min(p.shift, p.settleAfter),
              postedText,
            ),
          );
        break;
      case 'new_id':
        if (day < posting + p.bothDays)
          out.push(tx(pendingId(i, p), accountId, 'pending', p, p.start, pendingText));
        if (day >= posting)
          out.push(
            tx(
              postedId(i, p),
              accountId,
              'posted',
              p,
              p.start + Math.min(p.shift, p.settleAfter),
              postedText,
            ),
          );
        break;
      case 'cancel':
        if (day < posting) out.push(tx(pendingId(i, p), accountId, 'pending', p, p.start, pendingText));
        break;
    }
  });
  return out;
}

/** The posted transactions once everything has settled (as seen on `day`). */
export function postedTruth(
  purchases: readonly Purchase[],
  day: number,
  accountId = 'acct',
): ProviderTransactionData[] {
  return bankView(purchases, day, accountId).filter((t) => t.status === 'posted');
}

/** The day after which nothing changes any more. */
export function settledBy(purchases: readonly Purchase[]): number {
  return Math.max(0, ...purchases.map((p) => Math.max(p.start + p.settleAfter + p.bothDays, p.editDay ?? 0)));
}

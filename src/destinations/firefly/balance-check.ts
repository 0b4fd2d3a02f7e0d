/**
 * After a delivery: Firefly III's balance of each account against the bank's (latest balance
 * snapshot). Pending transactions delivered with the "pending" tag are in Firefly but usually not
 * in the bank's current balance, so they are added to what Firefly is expected to show.
 */
import type { FireflyAccountRow, Store } from '../../store/index.js';
import { signedBankBalance, type DeliverableAccount } from './accounts.js';
import type { FireflyClient } from './client.js';
import { decimalToMinor, minorToDecimal } from '../../money.js';

export interface BalanceComparison {
  accountId: string;
  name: string;
  fireflyAccountId: string;
  currency: string;
  fireflyMinor: number;
  /** Bank balance (money convention, negative = owed) plus delivered pending, or null when unknown. */
  expectedMinor: number | null;
  differenceMinor: number | null;
  matches: boolean;
  /** True when this result comes from the last check (nothing changed since). */
  fromLastCheck: boolean;
}

/** What a balance check reads and writes of the store. */
export type BalanceCheckStore = Pick<Store, 'deliveredPendingSum' | 'recordBalanceCheck'>;

export async function checkBalances(
  store: BalanceCheckStore,
  client: FireflyClient,
  familyId: string,
  accounts: DeliverableAccount[],
  linked: Map<string, FireflyAccountRow>,
  /** `expected`: what Firefly should show now (bank balance plus delivered pending). */
  shouldQuery: (account: DeliverableAccount, row: FireflyAccountRow, expected: number | null) => boolean,
): Promise<BalanceComparison[]> {
  const out: BalanceComparison[] = [];
  for (const account of accounts) {
    const row = linked.get(account.id);
    if (!row?.firefly_account_id) continue;
    const pendingSum = await store.deliveredPendingSum(familyId, account.id);
    const expected =
      account.bank_current_minor === null
        ? null
        : signedBankBalance(account, account.bank_current_minor) + pendingSum;
    let fireflyMinor: number;
    let fromLastCheck = false;
    if (!shouldQuery(account, row, expected) && row.checked_firefly_minor !== null) {
      fireflyMinor = row.checked_firefly_minor;
      fromLastCheck = true;
    } else {
      const ff = await client.getAccount(row.firefly_account_id);
      fireflyMinor = decimalToMinor(ff.current_balance ?? '0', ff.currency_code ?? account.currency);
      await store.recordBalanceCheck(familyId, account.id, fireflyMinor, expected);
    }
    const difference = expected === null ? null : fireflyMinor - expected;
    out.push({
      accountId: account.id,
      name: account.name,
      fireflyAccountId: row.firefly_account_id,
      currency: account.currency,
      fireflyMinor,
      expectedMinor: expected,
      differenceMinor: difference,
      matches: difference === 0,
      fromLastCheck,
    });
  }
  return out;
}

export function describeComparison(c: BalanceComparison): string {
  const ff = minorToDecimal(c.fireflyMinor, c.currency);
  if (c.expectedMinor === null)
    return `${c.name}: Firefly III ${ff} ${c.currency}; the bank's balance is unknown`;
  if (c.matches) return `${c.name}: ${ff} ${c.currency} in Firefly III, as at the bank`;
  return `${c.name}: Firefly III shows ${ff} ${c.currency}, the bank ${minorToDecimal(c.expectedMinor, c.currency)} (difference ${minorToDecimal(c.differenceMinor!, c.currency)})`;
}

/** What the dashboard shows, read for one family: accounts with balances, net worth, logins needing care. */
import type { AccountKind } from '../../../store/schema.js';
import type { WebDeps } from '../../context.js';
import { familyTimeZone } from '../../users.js';

/** The kinds of account, in the order the dashboard shows them, with their headings. */
export const KIND_LABELS: Record<AccountKind, string> = {
  depository: 'Cash (checking and savings)',
  credit_card: 'Credit cards',
  investment: 'Investments',
  loan: 'Loans',
};

export type DashboardData = Awaited<ReturnType<typeof loadDashboard>>;

export async function loadDashboard(deps: WebDeps, familyId: string) {
  const timeZone = await familyTimeZone(deps.store, familyId);
  const accounts = await deps.store.listAccountsWithBalance(familyId);
  const attention = await deps.store.connectionsNeedingAttention(familyId);
  const netWorth = new Map<string, number>();
  for (const a of accounts) {
    const v = a.balance?.current_minor;
    if (v === null || v === undefined) continue;
    // Cards and loans owe money: whatever sign the balance rule shows, they lower net worth.
    const signed = a.kind === 'credit_card' || a.kind === 'loan' ? -Math.abs(v) : v;
    netWorth.set(a.currency, (netWorth.get(a.currency) ?? 0) + signed);
  }
  const kinds = (Object.keys(KIND_LABELS) as AccountKind[]).filter((k) => accounts.some((a) => a.kind === k));
  return { timeZone, accounts, attention, netWorth, kinds };
}

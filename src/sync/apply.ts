/**
 * One account's sync against the ledger: read the rows the plan needs, plan, and write the plan,
 * inside one database transaction. The reads and writes are the store's (src/store/ledger-writes.ts);
 * the rules are the planner's (plan.ts).
 */
import type { ProviderTransactionData } from '../domain/types.js';
import type { LedgerWriteContext, Store, StoreTx } from '../store/index.js';
import { planSync, type PlanOptions, type SyncPlan } from './plan.js';

export interface AccountSyncInput extends LedgerWriteContext {
  /** The family that owns the account: another family's account is neither read nor written. */
  familyId: string;
  fetched: readonly ProviderTransactionData[];
  planOptions: Omit<PlanOptions, 'today'>;
  /** Further writes that must commit with the ledger changes (balances, sync state, run record). */
  alsoWrite?: (tx: StoreTx, outcome: AccountSyncApplied) => Promise<void>;
}

export interface AccountSyncApplied {
  plan: SyncPlan;
  rowsRead: number;
  rowsWritten: number;
}

/**
 * Reads, plans and writes one account in ONE database transaction: an error anywhere (a bad row, a
 * constraint, the caller's alsoWrite) rolls everything back, so the ledger is never half-written.
 * The store locks the account for writing before it reads the ledger: two syncs of the same
 * account (web, scheduler, workers) cannot plan against the same stale rows.
 */
export function applyAccountSync(
  store: Pick<Store, 'transaction'>,
  input: AccountSyncInput,
): Promise<AccountSyncApplied> {
  return store.transaction(async (tx) => {
    const { window, pendingMatchDays } = input.planOptions;
    const read = await tx.readLedgerForSync(input.familyId, input.accountId, {
      window,
      matchDays: pendingMatchDays,
      fetched: input.fetched,
    });
    const plan = planSync({ fetched: input.fetched, ...read }, { ...input.planOptions, today: input.today });
    const rowsWritten = await tx.writeSyncPlan(input.familyId, plan, {
      accountId: input.accountId,
      currency: input.currency,
      today: input.today,
      now: input.now,
    });
    const applied = { plan, rowsRead: read.ledger.length, rowsWritten };
    await input.alsoWrite?.(tx, applied);
    return applied;
  });
}

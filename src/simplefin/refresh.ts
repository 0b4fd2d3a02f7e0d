/**
 * "Refresh when older than N hours": a SimpleFIN request that finds its accounts' last sync older
 * than the Access URL's limit starts a sync of them, through the one sync entry point (which takes
 * the family's lock), and only when the family's Sophtron budget for the month still fits a sync.
 * The answer waits for it a bounded time, then serves whatever the ledger has: SimpleFIN is served
 * from the ledger, never by calling Sophtron per request.
 */
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { SimplefinAccountRow } from '../store/simplefin.js';
import { SyncLockedError } from '../store/family-lock.js';

export type RefreshDecision =
  { action: 'none' } | { action: 'skip'; note: string } | { action: 'sync'; accountIds: string[] };

/** The linked accounts last synced before `limit` (epoch ms), or never. */
const staleAccounts = <A extends Pick<SimplefinAccountRow, 'linked' | 'last_sync_at'>>(
  accounts: readonly A[],
  limit: number,
): A[] => accounts.filter((a) => a.linked && (a.last_sync_at === null || Date.parse(a.last_sync_at) < limit));

export function refreshDecision(input: {
  now: Date;
  refreshHours: number;
  accounts: readonly Pick<SimplefinAccountRow, 'id' | 'linked' | 'last_sync_at'>[];
  /** The family's latest sync of any kind (a failed one too: it is not retried on every request). */
  lastRunStartedAt: string | null;
  remainingCalls: number;
  callsPerSync: number;
}): RefreshDecision {
  const limit = input.now.getTime() - input.refreshHours * 3_600_000;
  const stale = staleAccounts(input.accounts, limit);
  if (stale.length === 0) return { action: 'none' };
  if (input.lastRunStartedAt !== null && Date.parse(input.lastRunStartedAt) >= limit)
    return { action: 'none' };
  if (input.remainingCalls < input.callsPerSync)
    return {
      action: 'skip',
      note: `Not refreshed: this month's Sophtron budget cannot fit another sync (${Math.max(0, input.remainingCalls)} calls left, a sync takes about ${input.callsPerSync}).`,
    };
  return { action: 'sync', accountIds: stale.map((a) => a.id) };
}

/** What the family's Sophtron budget still allows this month (the scheduler's own reckoning). */
export type BudgetLeft = (
  familyId: string,
  now: Date,
) => Promise<{ remaining: number; callsPerSync: number }>;

export interface RefreshDeps {
  store: Pick<Store, 'listRuns'>;
  budget: BudgetLeft;
  /** The sync entry point (syncFamily with the family's counted Sophtron client). */
  runSync(familyId: string, accountIds: string[]): Promise<unknown>;
  /** How long an answer waits for the sync before serving what the ledger has. */
  waitMs: number;
  clock?: () => Date;
  logger?: Logger;
}

/**
 * `note`: for `x-api-message`, or null. `synced`: a sync was started or awaited, so the ledger may
 * have changed since `accounts` was read.
 */
export type Refresher = (
  familyId: string,
  refreshHours: number,
  accounts: readonly SimplefinAccountRow[],
) => Promise<{ note: string | null; synced: boolean }>;

export function createRefresher(deps: RefreshDeps): Refresher {
  const clock = deps.clock ?? (() => new Date());
  // One refresh per family at a time in this process; the database lock covers other processes.
  const running = new Map<string, Promise<unknown>>();

  const waitFor = async (sync: Promise<unknown>): Promise<{ note: string | null; synced: true }> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'waiting'>((resolve) => {
      timer = setTimeout(() => resolve('waiting'), deps.waitMs);
      timer.unref();
    });
    try {
      const r = await Promise.race([sync.then(() => 'done' as const), timeout]);
      return {
        note:
          r === 'done'
            ? null
            : `A sync of these accounts is running (started for this request); ask again in a few minutes for its data.`,
        synced: true,
      };
    } finally {
      clearTimeout(timer);
    }
  };

  return async (familyId, refreshHours, accounts) => {
    const inFlight = running.get(familyId);
    if (inFlight) return waitFor(inFlight);
    const now = clock();
    // Nothing stale (the usual answer): no need to read the last run or the budget.
    if (staleAccounts(accounts, now.getTime() - refreshHours * 3_600_000).length === 0)
      return { note: null, synced: false };
    const [lastRun] = await deps.store.listRuns(familyId, { limit: 1 });
    const budget = await deps.budget(familyId, now);
    const decision = refreshDecision({
      now,
      refreshHours,
      accounts,
      lastRunStartedAt: lastRun?.started_at ?? null,
      remainingCalls: budget.remaining,
      callsPerSync: budget.callsPerSync,
    });
    if (decision.action === 'none') return { note: null, synced: false };
    if (decision.action === 'skip') return { note: decision.note, synced: false };
    const sync = deps
      .runSync(familyId, decision.accountIds)
      .catch((err: unknown) => {
        if (err instanceof SyncLockedError) return;
        deps.logger?.warn(
          { familyId, err: err instanceof Error ? err.message : String(err) },
          'SimpleFIN refresh: the sync failed',
        );
      })
      .finally(() => running.delete(familyId));
    running.set(familyId, sync);
    deps.logger?.info(
      { familyId, accounts: decision.accountIds.length },
      `SimpleFIN refresh: data older than ${refreshHours} hours, syncing`,
    );
    return waitFor(sync);
  };
}

/**
 * The sync runner: for each linked account of a family, refresh it at Sophtron, read its window,
 * plan against the ledger and apply the plan in one database transaction. One account failing (a
 * Sophtron error, a bad payload) is recorded with a clear reason and never stops the others.
 *
 * `syncFamily` is the one entry point for the CLI, the web application, the scheduler and the
 * Firefly import; progress is reported through `onEvent` (a terminal line, an SSE stream).
 *
 * This file keeps the run itself (lock, start, accounts in turn, finish); its steps live beside it so
 * each reads on its own: prepare.ts (the request check, each account's window), refresh.ts (the bank
 * logins), account.ts (one account's sync) and types.ts (the shapes they share).
 */
import type { SyncableAccount } from '../store/index.js';
import { estimateSyncCalls } from './estimate.js';
import { holderText, withFamilySyncLock } from '../store/family-lock.js';
import { DEFAULT_PART_DAYS, syncAccount, totalCalls } from './account.js';
import { prepareRun } from './prepare.js';
import { refreshLogins } from './refresh.js';
import type {
  AccountSyncResult,
  LockInfo,
  RunContext,
  RunScope,
  SyncDeps,
  SyncEvent,
  SyncOptions,
  SyncRunResult,
} from './types.js';

// Callers import the runner's shapes from here, where they always were.
export type {
  AccountSyncResult,
  RefreshResult,
  SyncConfig,
  SyncDeps,
  SyncEvent,
  SyncOptions,
  SyncRunResult,
} from './types.js';

/** Syncs of one family run one after another in this process (web button + schedule). */
const familyLocks = new Map<string, Promise<unknown>>();

/**
 * Across processes, the family's sync lock in the database: a sync already running elsewhere
 * (worker, server, CLI) makes this one throw SyncLockedError before anything is read or written.
 */
export async function syncFamily(
  deps: SyncDeps,
  familyId: string,
  options: SyncOptions,
): Promise<SyncRunResult> {
  const previous = familyLocks.get(familyId) ?? Promise.resolve();
  const lockInfo: LockInfo = { notes: [] };
  const mine = previous
    .catch(() => undefined)
    .then(() =>
      withFamilySyncLock(deps.store, familyId, () => runSync(deps, familyId, options, lockInfo), {
        ...(options.lockHeldBy ? { heldBy: options.lockHeldBy } : {}),
        onTakeOver: (h) => {
          lockInfo.takenFrom = h;
          lockInfo.notes.push(
            `took over the sync lock of a process that is gone (${holderText(h.owner)}, since ${h.acquiredAt.slice(0, 19).replace('T', ' ')} UTC)`,
          );
        },
      }),
    );
  familyLocks.set(familyId, mine);
  try {
    return await mine;
  } finally {
    if (familyLocks.get(familyId) === mine) familyLocks.delete(familyId);
  }
}
async function runSync(
  deps: SyncDeps,
  familyId: string,
  options: SyncOptions,
  lockInfo: LockInfo,
): Promise<SyncRunResult> {
  const ctx = runContext(deps, familyId, options, lockInfo.notes);
  const scope = await prepareRun(ctx);
  await options.checkCalls?.(
    estimateSyncCalls({
      accounts: scope.accounts.map((a) => ({
        connectionId: a.connection_id,
        window: scope.windows.get(a.id)!,
      })),
      refresh: options.refresh !== false,
      windowDays: deps.config.sophtronWindowDays ?? DEFAULT_PART_DAYS,
    }),
  );
  const runId = await startRun(ctx, scope.accounts, lockInfo);
  const callsAtStart = totalCalls(deps.sophtron.callCounts());
  const runCalls = () => totalCalls(deps.sophtron.callCounts()) - callsAtStart;
  let results: AccountSyncResult[];
  try {
    results = await syncAccounts(ctx, runId, scope);
  } catch (err) {
    // Cancelled (signal) or the ledger itself failing: the run must not stay "running" forever.
    const error = err instanceof Error ? err.message : String(err);
    await ctx.store
      .finishRun(familyId, runId, { outcome: 'failed', error, sophtronCalls: runCalls() })
      .catch(() => undefined);
    throw err;
  }
  // The bank logins' refresh jobs belong to no one account: the run counts every call.
  return finishSync(ctx, runId, scope.startedMs, runCalls(), results);
}

function runContext(deps: SyncDeps, familyId: string, options: SyncOptions, notes: string[]): RunContext {
  const emit = (event: SyncEvent) => {
    try {
      options.onEvent?.(event);
    } catch (err) {
      // A broken listener (a closed SSE stream) must not break the sync.
      deps.logger?.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'sync event listener failed',
      );
    }
  };
  return { deps, store: deps.store, familyId, options, clock: deps.clock ?? (() => new Date()), emit, notes };
}
/** Closes runs a gone process left running, records the new run and announces it; returns its id. */
async function startRun(
  ctx: RunContext,
  accounts: readonly SyncableAccount[],
  lockInfo: LockInfo,
): Promise<string> {
  const { deps, store, familyId, options, notes } = ctx;
  // We hold the family's lock: a run still "running" was left by a process that ended mid-run.
  const interrupted = await store.failInterruptedRuns(
    familyId,
    new Date(Date.now() + 1).toISOString(),
    `interrupted: its process${lockInfo.takenFrom ? ` (${holderText(lockInfo.takenFrom.owner)})` : ''} ended before the run finished; found ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
  );
  if (interrupted > 0) {
    notes.push(
      `marked ${interrupted} earlier run${interrupted === 1 ? '' : 's'} left running as interrupted`,
    );
  }
  for (const note of notes) deps.logger?.warn({ familyId }, note);
  const run = await store.createRun(familyId, options.trigger);
  ctx.emit({
    type: 'run-started',
    runId: run.id,
    familyId,
    notes,
    accounts: accounts.map((a) => ({ accountId: a.id, accountName: a.name })),
  });
  deps.logger?.info(
    { runId: run.id, familyId, accounts: accounts.length, trigger: options.trigger },
    'sync started',
  );
  return run.id;
}

/** Refreshes the run's bank logins, then syncs account by account, announcing each. */
async function syncAccounts(ctx: RunContext, runId: string, scope: RunScope): Promise<AccountSyncResult[]> {
  const { accounts, windows } = scope;
  const results: AccountSyncResult[] = [];
  const refreshes = await refreshLogins({ ...ctx, runId }, accounts);
  for (const [index, account] of accounts.entries()) {
    const window = windows.get(account.id)!;
    ctx.emit({
      type: 'account-started',
      runId,
      accountId: account.id,
      accountName: account.name,
      index,
      total: accounts.length,
      window,
    });
    const result = await syncAccount({
      ...ctx,
      runId,
      account,
      window,
      today: scope.today,
      timeZone: scope.timeZone,
      refresh: refreshes.get(account.connection_id)!,
    });
    results.push(result);
    const log = {
      runId,
      accountId: account.id,
      outcome: result.outcome,
      ...result.counts,
      calls: result.sophtronCalls,
    };
    if (result.outcome === 'failed')
      ctx.deps.logger?.warn({ ...log, error: result.error }, 'account sync failed');
    else ctx.deps.logger?.info(log, 'account synced');
    ctx.emit({ type: 'account-finished', runId, index, total: accounts.length, result });
  }
  return results;
}

/** Records the run's end and its calls, and returns (and announces) its result. */
async function finishSync(
  ctx: RunContext,
  runId: string,
  startedMs: number,
  sophtronCalls: number,
  results: AccountSyncResult[],
): Promise<SyncRunResult> {
  const finished = await ctx.store.finishRun(ctx.familyId, runId, { sophtronCalls });
  const finishedAt = ctx.clock();
  const result: SyncRunResult = {
    runId,
    familyId: ctx.familyId,
    trigger: ctx.options.trigger,
    outcome: (finished?.outcome ?? 'failed') as SyncRunResult['outcome'],
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedMs,
    notes: ctx.notes,
    sophtronCalls,
    accounts: results,
    totals: {
      new: sum(results, (r) => r.counts.new),
      updated: sum(results, (r) => r.counts.updated),
      merged: sum(results, (r) => r.counts.merged),
      vanished: sum(results, (r) => r.counts.vanished),
      rowsRead: sum(results, (r) => r.rowsRead),
      rowsWritten: sum(results, (r) => r.rowsWritten),
      failed: results.filter((r) => r.outcome === 'failed').length,
    },
  };
  ctx.deps.logger?.info({ runId, outcome: result.outcome, calls: sophtronCalls }, 'sync finished');
  ctx.emit({ type: 'run-finished', result });
  return result;
}

const sum = <T>(items: T[], f: (t: T) => number) => items.reduce((n, t) => n + f(t), 0);

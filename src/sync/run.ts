/**
 * The sync runner: for each linked account of a family, refresh it at Sophtron, read its window,
 * plan against the ledger and apply the plan in one database transaction. One account failing (a
 * Sophtron error, a bad payload) is recorded with a clear reason and never stops the others.
 *
 * `syncFamily` is the one entry point for the CLI, the web application, the scheduler and the
 * Firefly import; progress is reported through `onEvent` (a terminal line, an SSE stream).
 */
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RunJobOptions, SophtronApi } from '../sophtron/api.js';
import { jobTiming, refreshConnection } from '../sophtron/connect.js';
import type { CalendarDate, JobOutcome, ProviderAccountData } from '../domain/types.js';
import { applyBalanceRule, type Store, type StoreTx, type SyncableAccount } from '../store/index.js';
import type { AccountSyncOutcome, SyncOutcome, SyncTrigger } from '../store/schema.js';
import { applyAccountSync, type AccountSyncApplied } from './apply.js';
import { estimateSyncCalls, type SyncCallsEstimate } from './estimate.js';
import { addDays, calendarDateIn, daysBetween, isCalendarDate } from '../dates.js';
import { describeSyncError, SyncRequestError, type SyncStage } from './errors.js';
import { holderText, withFamilySyncLock, type LockHolder } from '../store/family-lock.js';
import { planCounts, PlanInputError, type PlanCounts } from './plan.js';
import {
  clampToHistory,
  computeWindow,
  historyStart,
  firstPartDays,
  nextPartDays,
  nextSyncedThrough,
  partEnd,
  positionWithoutRefresh,
  reachForPending,
  type SyncWindow,
} from './window.js';

export type SyncConfig = Pick<
  Config,
  | 'syncStartDays'
  | 'syncOverlapDays'
  | 'pendingMatchDays'
  | 'pendingGraceDays'
  | 'sophtronJobTimeoutMs'
  | 'sophtronJobPollMs'
> &
  Partial<Pick<Config, 'sophtronWindowDays' | 'sophtronHistoryDays'>>;

export interface SyncDeps {
  /** The ledger. */
  store: Store;
  sophtron: SophtronApi;
  config: SyncConfig;
  clock?: () => Date;
  logger?: Logger;
  /** Polling of the refresh job; default SOPHTRON_JOB_POLL_MS and SOPHTRON_JOB_TIMEOUT_MS. */
  jobOptions?: Pick<RunJobOptions, 'pollIntervalMs' | 'maxPollIntervalMs' | 'timeoutMs' | 'sleep' | 'now'>;
}

export interface SyncOptions {
  /** Ledger account ids; default every linked account of the family. */
  accountIds?: string[];
  from?: CalendarDate;
  to?: CalendarDate;
  trigger: SyncTrigger;
  /** Re-create transactions the user deleted (and drop their tombstones). */
  includeDeleted?: boolean;
  /** Default true: ask Sophtron to refresh each account before reading it. */
  refresh?: boolean;
  onEvent?: (event: SyncEvent) => void;
  signal?: AbortSignal;
  /** The caller already holds the family's sync lock (lock.ts) under this owner: the scheduler. */
  lockHeldBy?: string;
  /**
   * Called once the windows are known, before any Sophtron call, with the run's estimated calls
   * (estimate.ts); throwing refuses the run (a person's sync over the month's budget).
   */
  checkCalls?: (estimate: SyncCallsEstimate) => Promise<void>;
}

export type RefreshResult =
  | { state: 'refreshed' }
  /** `refused`: the bank refused the login (new credentials needed), not a challenge to answer. */
  | { state: 'needs_attention'; reason: string; refused?: boolean }
  | { state: 'failed' | 'timed_out'; message: string }
  /**
   * Not refreshed: not asked (`refresh: false`), or another account of the same bank login already
   * hit MFA, failed or timed out in this run (`after`), so asking again would only wait or nag.
   */
  | {
      state: 'skipped';
      reason: string;
      after?: 'needs_attention' | 'failed' | 'timed_out';
      refused?: boolean;
    };

export interface AccountSyncResult {
  accountId: string;
  accountName: string;
  /** The bank login (connection) the account belongs to: our id and Sophtron's UserInstitutionID. */
  connectionId: string;
  userInstitutionId: string;
  outcome: AccountSyncOutcome;
  window: SyncWindow | null;
  counts: PlanCounts;
  /** Transactions not re-created because the user deleted them. */
  skippedDeleted: number;
  sophtronCalls: number;
  /** Ledger rows read and written: grows with the window, not with the history. */
  rowsRead: number;
  rowsWritten: number;
  refresh: RefreshResult;
  /** Ledger balance after the account's balance rule, when read. */
  balance: { currentMinor: number | null; availableMinor: number | null; currency: string } | null;
  syncedThrough: CalendarDate | null;
  /** Why the account failed (outcome failed), in one sentence naming the call. */
  error: string | null;
  /** What the user should know although the account synced (MFA, refresh trouble). */
  note: string | null;
  durationMs: number;
}

export interface SyncRunResult {
  runId: string;
  familyId: string;
  trigger: SyncTrigger;
  outcome: Exclude<SyncOutcome, 'running' | 'interrupted'>;
  startedAt: string;
  /** What the person should know about the run itself (a lock taken over from a killed sync). */
  notes: string[];
  finishedAt: string;
  durationMs: number;
  sophtronCalls: number;
  accounts: AccountSyncResult[];
  totals: PlanCounts & { rowsRead: number; rowsWritten: number; failed: number };
}

export type SyncEvent =
  | {
      type: 'run-started';
      runId: string;
      familyId: string;
      /** What the person should know about the run itself (a lock taken over from a killed sync). */
      notes?: string[];
      accounts: { accountId: string; accountName: string }[];
    }
  | {
      type: 'account-started';
      runId: string;
      accountId: string;
      accountName: string;
      index: number;
      total: number;
      window: SyncWindow;
    }
  | {
      type: 'account-progress';
      runId: string;
      accountId: string;
      stage: 'refreshing' | 'reading' | 'writing';
      /** A long window (a backfill) is read and committed in parts: which one. */
      part?: { from: CalendarDate; to: CalendarDate; index: number };
    }
  /** The run's bank logins are being refreshed at Sophtron (before any account is read). */
  | { type: 'refreshing'; runId: string; logins: number }
  | { type: 'account-finished'; runId: string; index: number; total: number; result: AccountSyncResult }
  | { type: 'run-finished'; result: SyncRunResult };

/** How this run came by the family's lock: notes for the person, the gone holder it took over from. */
interface LockInfo {
  notes: string[];
  takenFrom?: LockHolder;
}

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

/** Longest backfill part when the Sophtron read window is not configured (the client's own default). */
const DEFAULT_PART_DAYS = 90;
/** SOPHTRON_HISTORY_DAYS's default, for callers that pass no setting. */
const DEFAULT_HISTORY_DAYS = 730;

interface PartTotals {
  counts: PlanCounts;
  skippedDeleted: number;
  rowsRead: number;
  rowsWritten: number;
}

function withPart(t: PartTotals, a: AccountSyncApplied): PartTotals {
  const c = planCounts(a.plan);
  return {
    counts: {
      new: t.counts.new + c.new,
      updated: t.counts.updated + c.updated,
      merged: t.counts.merged + c.merged,
      vanished: t.counts.vanished + c.vanished,
    },
    skippedDeleted: t.skippedDeleted + a.plan.ignored.filter((i) => i.reason === 'deleted_by_user').length,
    rowsRead: t.rowsRead + a.rowsRead,
    rowsWritten: t.rowsWritten + a.rowsWritten,
  };
}

const totalCalls = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const zeroCounts = (): PlanCounts => ({ new: 0, updated: 0, merged: 0, vanished: 0 });

/** What every step of one run shares. */
interface RunContext {
  deps: SyncDeps;
  store: Store;
  familyId: string;
  options: SyncOptions;
  clock: () => Date;
  emit: (event: SyncEvent) => void;
  /** What the person should know about the run itself; grows while the run is prepared. */
  notes: string[];
}

/** The accounts of a run and the window of each, before anything is written. */
interface RunScope {
  accounts: SyncableAccount[];
  windows: Map<string, SyncWindow>;
  today: CalendarDate;
  timeZone: string;
  startedMs: number;
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

/** Checks the request, finds the accounts and each one's window; refuses with SyncRequestError. */
async function prepareRun(ctx: RunContext): Promise<RunScope> {
  const { store, familyId, options, clock } = ctx;
  checkDates(options);
  const timeZone = await store.familyTimeZone(familyId);
  if (timeZone === undefined) throw new SyncRequestError(`family ${familyId} not found`);
  // Sophtron has nothing after tomorrow (a bank ahead of the family's zone): a later bound only
  // spends calls (`--to 3000-01-01` once read 3,955 windows of nothing).
  const tomorrow = addDays(calendarDateIn(clock(), timeZone), 1);
  for (const [flag, value] of [
    ['--to', options.to],
    ['--from', options.from],
  ] as const) {
    if (value !== undefined && value > tomorrow)
      throw new SyncRequestError(
        `${flag} ${value} is after tomorrow (${tomorrow}): Sophtron has nothing later`,
      );
  }
  const accounts = await store.listSyncableAccounts(familyId, options.accountIds);
  if (options.accountIds) {
    const found = new Set(accounts.map((a) => a.id));
    const missing = options.accountIds.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new SyncRequestError(`not a linked account of this family: ${missing.join(', ')}`);
  }
  const startedMs = clock().getTime();
  const today = calendarDateIn(clock(), timeZone);
  const windows = await accountWindows(ctx, accounts, today, timeZone);
  return { accounts, windows, today, timeZone, startedMs };
}

/** `--from` and `--to` are calendar dates, in order. */
function checkDates(options: SyncOptions): void {
  for (const [flag, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    if (value !== undefined && !isCalendarDate(value)) {
      throw new SyncRequestError(
        `${flag}: must be a calendar date YYYY-MM-DD (got ${JSON.stringify(value)})`,
      );
    }
  }
  if (options.from && options.to && options.from > options.to) {
    throw new SyncRequestError(`--from ${options.from} is after --to ${options.to}`);
  }
}

/**
 * Each account's window (window.ts), no earlier than the bank's history limit (the run's notes say
 * when that cut a start), reaching back for the account's oldest pending row.
 */
async function accountWindows(
  ctx: RunContext,
  accounts: readonly SyncableAccount[],
  today: CalendarDate,
  timeZone: string,
): Promise<Map<string, SyncWindow>> {
  const { deps, options, notes } = ctx;
  const historyDays = deps.config.sophtronHistoryDays ?? DEFAULT_HISTORY_DAYS;
  const earliest = historyStart(today, historyDays);
  const limitText = `the bank's history limit (SOPHTRON_HISTORY_DAYS = ${historyDays} days); reading from ${earliest}`;
  // The CLI's flag by its name; an import configuration's or a script's start as "the start".
  const fromName = options.trigger === 'cli' ? '--from' : 'the start';
  if (options.from && options.from < earliest)
    notes.push(`${fromName} ${options.from} is before ${limitText}`);
  const windows = new Map<string, SyncWindow>();
  for (const a of accounts) {
    let window: SyncWindow;
    try {
      const clamped = clampToHistory(
        computeWindow({
          account: a,
          today,
          timeZone,
          settings: deps.config,
          from: options.from,
          to: options.to,
        }),
        earliest,
      );
      window = clamped.window;
      if (clamped.clampedFrom && window.basis !== 'explicit')
        notes.push(`${a.name}: ${clamped.clampedFrom} is before ${limitText}`);
    } catch (err) {
      throw new SyncRequestError(`${a.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const reached = reachForPending(window, await ctx.store.oldestPendingDate(ctx.familyId, a.id));
    windows.set(a.id, reached.from < earliest ? { ...reached, from: earliest } : reached);
  }
  return windows;
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

/** One account's sync within a run. */
interface AccountJob extends RunContext {
  runId: string;
  account: SyncableAccount;
  window: SyncWindow;
  today: CalendarDate;
  timeZone: string;
  /** How the account's bank login was refreshed in this run. */
  refresh: RefreshResult;
}

/** Bank logins refreshed at once; more would only queue at the banks. */
const LOGIN_REFRESH_CONCURRENCY = 4;

type RefreshContext = RunContext & { runId: string };

/**
 * Refreshes each bank login of the run once (RefreshUserInstitution refreshes all its accounts in
 * one job), several logins at a time, before any account is read: five accounts of one login wait
 * for one job, not five in a row. Each account then shares its login's result.
 */
async function refreshLogins(
  ctx: RefreshContext,
  accounts: readonly SyncableAccount[],
): Promise<Map<string, RefreshResult>> {
  const logins = new Map<string, SyncableAccount>();
  for (const a of accounts) if (!logins.has(a.connection_id)) logins.set(a.connection_id, a);
  const results = new Map<string, RefreshResult>();
  if (ctx.options.refresh === false) {
    for (const id of logins.keys()) results.set(id, { state: 'skipped', reason: 'not asked' });
    return results;
  }
  if (logins.size === 0) return results;
  ctx.emit({ type: 'refreshing', runId: ctx.runId, logins: logins.size });
  const limit = pLimit(LOGIN_REFRESH_CONCURRENCY);
  await Promise.all(
    [...logins.values()].map((login) =>
      limit(async () => results.set(login.connection_id, await refreshLogin(ctx, login))),
    ),
  );
  return results;
}

async function refreshLogin(ctx: RefreshContext, login: SyncableAccount): Promise<RefreshResult> {
  const { deps, options } = ctx;
  try {
    // No onChallenge: a sync runs unattended, so MFA ends the job as needs_attention.
    const outcome = await refreshConnection(deps.sophtron, login.user_institution_id, {
      ...jobTiming(deps.config),
      ...deps.jobOptions,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return await refreshOutcome(ctx, login, outcome);
  } catch (err) {
    options.signal?.throwIfAborted();
    return { state: 'failed', message: describeSyncError(err, 'refresh') };
  }
}

async function refreshOutcome(
  ctx: RefreshContext,
  login: SyncableAccount,
  outcome: JobOutcome,
): Promise<RefreshResult> {
  const { familyId } = ctx;
  const connections = ctx.store;
  switch (outcome.outcome) {
    case 'connected':
      await connections.markConnectionRefreshed(familyId, login.connection_id, ctx.clock().toISOString());
      if (login.connection_status !== 'connected') {
        await connections.setConnectionStatus(familyId, login.connection_id, 'connected', null);
      }
      return { state: 'refreshed' };
    case 'needs_attention':
      await connections.setConnectionStatus(familyId, login.connection_id, 'needs_attention', outcome.reason);
      return { state: 'needs_attention', reason: outcome.reason };
    case 'failed': {
      // The bank did not answer Sophtron in time: try again later, nothing for a person to fix.
      if (outcome.bankTimedOut) return { state: 'failed', message: outcome.message };
      // The bank refused the login (a changed password, a locked login): syncs of it cannot get
      // fresh data until a person gives Sophtron the new login, so say so where they look.
      const reason = `The bank refused the login: ${outcome.message}`;
      await connections.setConnectionStatus(familyId, login.connection_id, 'needs_attention', reason);
      return { state: 'needs_attention', reason, refused: true };
    }
    case 'timed_out':
      return {
        state: 'timed_out',
        message: `the refresh did not finish within ${Math.round(outcome.afterMs / 1000)} s`,
      };
  }
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function refreshNote(r: RefreshResult): string | null {
  switch (r.state) {
    case 'refreshed':
      return null;
    case 'needs_attention':
      return r.refused
        ? `${lowerFirst(r.reason)}; synced what Sophtron already had`
        : `the bank asks for verification (${r.reason}); synced what Sophtron already had`;
    case 'failed':
    case 'timed_out':
      return `refresh at Sophtron failed (${r.message}); synced what Sophtron already had`;
    case 'skipped':
      if (!r.after) return null;
      if (r.refused) return `${lowerFirst(r.reason)}; synced what Sophtron already had`;
      return r.after === 'needs_attention'
        ? `the bank asks for verification (${r.reason}); synced what Sophtron already had`
        : `refresh at Sophtron failed for this bank login (${r.reason}); synced what Sophtron already had`;
  }
}

async function syncAccount(job: AccountJob): Promise<AccountSyncResult> {
  const { deps, account, window, clock, options } = job;
  const started = clock().getTime();
  const callsBefore = totalCalls(deps.sophtron.callCounts());
  const calls = () => totalCalls(deps.sophtron.callCounts()) - callsBefore;
  const base = {
    accountId: account.id,
    accountName: account.name,
    connectionId: account.connection_id,
    userInstitutionId: account.user_institution_id,
    window,
    counts: zeroCounts(),
    skippedDeleted: 0,
    rowsRead: 0,
    rowsWritten: 0,
    balance: null,
    syncedThrough: account.synced_through,
  };
  const refresh = job.refresh;
  const note = refreshNote(refresh);
  // Which call was under way when something failed: the error names it.
  const at: { stage: SyncStage } = { stage: 'account' };
  try {
    const synced = await readAndApply(job, at, note, calls);
    return {
      ...base,
      outcome: synced.outcome,
      counts: synced.total.counts,
      skippedDeleted: synced.total.skippedDeleted,
      rowsRead: synced.total.rowsRead,
      rowsWritten: synced.total.rowsWritten,
      balance: synced.balance,
      syncedThrough: synced.position,
      sophtronCalls: calls(),
      refresh,
      error: null,
      note,
      durationMs: clock().getTime() - started,
    };
  } catch (err) {
    options.signal?.throwIfAborted();
    const error = describeSyncError(err, at.stage);
    const sophtronCalls = calls();
    await recordFailedAccount(job, error, sophtronCalls);
    return {
      ...base,
      outcome: 'failed',
      sophtronCalls,
      refresh,
      error,
      note,
      durationMs: clock().getTime() - started,
    };
  }
}

type AccountBalance = NonNullable<AccountSyncResult['balance']>;

/** What one account's parts share once the account itself was read. */
interface AccountRead {
  providerAccount: ProviderAccountData;
  outcome: AccountSyncOutcome;
  balance: AccountBalance;
  /** Whether Sophtron's rows are fresh (refreshed in this run, or a refresh was not asked). */
  fresh: boolean;
  note: string | null;
  calls: () => number;
}

/** Reads the account at Sophtron, then its transactions part by part into the ledger. */
async function readAndApply(
  job: AccountJob,
  at: { stage: SyncStage },
  note: string | null,
  calls: () => number,
): Promise<{
  outcome: AccountSyncOutcome;
  balance: AccountBalance;
  total: PartTotals;
  position: CalendarDate | null;
}> {
  const { deps, runId, account, refresh } = job;
  job.emit({ type: 'account-progress', runId, accountId: account.id, stage: 'reading' });
  const providerAccount = await deps.sophtron.getAccount(account.sophtron_account_id);
  if (providerAccount.accountId.toLowerCase() !== account.sophtron_account_id.toLowerCase()) {
    throw new PlanInputError(
      `Sophtron answered with account ${JSON.stringify(providerAccount.accountId)} instead of ${JSON.stringify(account.sophtron_account_id)}`,
    );
  }
  const attentionNow =
    refresh.state === 'needs_attention' ||
    (refresh.state === 'skipped' && refresh.after === 'needs_attention');
  const read: AccountRead = {
    providerAccount,
    outcome: attentionNow ? 'needs_attention' : 'succeeded',
    balance: {
      currentMinor: applyBalanceRule(account.balance_rule, providerAccount.balance),
      availableMinor: applyBalanceRule(account.balance_rule, providerAccount.availableBalance),
      currency: account.currency,
    },
    // Without a fresh refresh, Sophtron holds the bank's rows as of its last update of the account:
    // the position moves over the window up to that day only, so later days are read again.
    fresh: refresh.state === 'refreshed' || (refresh.state === 'skipped' && !refresh.after),
    note,
    calls,
  };
  const { total, position } = await applyParts(job, at, read);
  return { outcome: read.outcome, balance: read.balance, total, position };
}

/**
 * Reads, plans and commits the window in parts (window.ts: a short first part, then parts sized
 * to about 1,000 transactions), each with the account's position moved on.
 */
async function applyParts(
  job: AccountJob,
  at: { stage: SyncStage },
  read: AccountRead,
): Promise<{ total: PartTotals; position: CalendarDate | null }> {
  const { deps, store, familyId, runId, account, window, today, clock, options } = job;
  const maxPartDays = deps.config.sophtronWindowDays ?? DEFAULT_PART_DAYS;
  let partDays = firstPartDays(window, maxPartDays);
  let total: PartTotals = { counts: zeroCounts(), skippedDeleted: 0, rowsRead: 0, rowsWritten: 0 };
  let position = account.synced_through;
  for (let index = 0, from = window.from; from <= window.to; index++) {
    const part = { from, to: partEnd(from, partDays, window.to) };
    const last = part.to === window.to;
    const progress = index > 0 || !last ? { part: { ...part, index } } : {};
    if (index > 0)
      job.emit({ type: 'account-progress', runId, accountId: account.id, stage: 'reading', ...progress });
    at.stage = 'transactions';
    const fetched = await deps.sophtron.getTransactions(account.sophtron_account_id, part.from, part.to);
    at.stage = 'ledger';
    job.emit({ type: 'account-progress', runId, accountId: account.id, stage: 'writing', ...progress });
    const now = clock().toISOString();
    // A part before the last holds only history the refresh does not change: it always moves the
    // position, so a backfill killed after four years resumes at year four. The last part (today's
    // end of the window) moves it fully only after a fresh refresh.
    const before = { ...account, synced_through: position };
    const through =
      !last || read.fresh
        ? nextSyncedThrough(before, part, deps.config, job.timeZone)
        : positionWithoutRefresh(before, part, deps.config, job.timeZone, read.providerAccount.lastUpdated);
    const applied = await applyAccountSync(store, {
      familyId,
      accountId: account.id,
      currency: account.currency,
      today,
      now,
      fetched,
      planOptions: {
        window: { ...window, ...part },
        accountId: account.sophtron_account_id,
        pendingMatchDays: deps.config.pendingMatchDays,
        pendingGraceDays: deps.config.pendingGraceDays,
        includeDeleted: options.includeDeleted ?? false,
      },
      alsoWrite: async (tx, a) => {
        if (!last) {
          if (through !== position) await tx.setSyncedThrough(familyId, account.id, through);
          return;
        }
        await writeAccountOutcome(job, tx, read, { through, now, counts: withPart(total, a).counts });
      },
    });
    total = withPart(total, applied);
    position = through;
    partDays = nextPartDays(daysBetween(part.from, part.to) + 1, fetched.length, maxPartDays);
    from = addDays(part.to, 1);
    if (!last) options.signal?.throwIfAborted();
  }
  return { total, position };
}

/** Balances, the account's position and the run record commit with the ledger rows or not at all. */
async function writeAccountOutcome(
  job: AccountJob,
  tx: StoreTx,
  read: AccountRead,
  last: { through: CalendarDate | null; now: string; counts: PlanCounts },
): Promise<void> {
  const { familyId, runId, account, window } = job;
  const { outcome, note } = read;
  await tx.upsertProviderAccounts(familyId, account.connection_id, [read.providerAccount]);
  await tx.recordBalance(familyId, account.id, { ...read.balance, takenAt: last.now });
  await tx.setAccountSyncState(familyId, account.id, {
    syncedThrough: last.through,
    at: last.now,
    outcome,
    error: note,
  });
  const { counts } = last;
  await tx.recordAccountResult(familyId, runId, {
    accountId: account.id,
    outcome,
    windowFrom: window.from,
    windowTo: window.to,
    newCount: counts.new,
    updatedCount: counts.updated,
    mergedCount: counts.merged,
    vanishedCount: counts.vanished,
    sophtronCalls: read.calls(),
    error: note,
  });
}

/** A failed account: its sync state and run record say why (a failure to record them is logged). */
async function recordFailedAccount(job: AccountJob, error: string, sophtronCalls: number): Promise<void> {
  const { familyId, runId, account, window, clock } = job;
  try {
    await job.store.transaction(async (tx) => {
      await tx.setAccountSyncState(familyId, account.id, {
        at: clock().toISOString(),
        outcome: 'failed',
        error,
      });
      await tx.recordAccountResult(familyId, runId, {
        accountId: account.id,
        outcome: 'failed',
        windowFrom: window.from,
        windowTo: window.to,
        sophtronCalls,
        error,
      });
    });
  } catch (recordErr) {
    job.deps.logger?.error(
      { err: recordErr instanceof Error ? recordErr.message : String(recordErr) },
      'could not record a failed account',
    );
  }
}

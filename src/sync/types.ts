/**
 * The runner's shapes: what callers pass in and get back (SyncDeps, SyncOptions, the results and
 * progress events), and the context its parts share. They sit apart from run.ts so the parts
 * (prepare, refresh, account) can name them without importing the runner that imports them.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RunJobOptions, SophtronApi } from '../sophtron/api.js';
import type { CalendarDate } from '../domain/types.js';
import type { Store, SyncableAccount } from '../store/index.js';
import type { AccountSyncOutcome, SyncOutcome, SyncTrigger } from '../store/schema.js';
import type { SyncCallsEstimate } from './estimate.js';
import type { LockHolder } from '../store/family-lock.js';
import type { PlanCounts } from './plan.js';
import type { SyncWindow } from './window.js';

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
export interface LockInfo {
  notes: string[];
  takenFrom?: LockHolder;
}

/** What every step of one run shares. */
export interface RunContext {
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
export interface RunScope {
  accounts: SyncableAccount[];
  windows: Map<string, SyncWindow>;
  today: CalendarDate;
  timeZone: string;
  startedMs: number;
}
/** One account's sync within a run. */
export interface AccountJob extends RunContext {
  runId: string;
  account: SyncableAccount;
  window: SyncWindow;
  today: CalendarDate;
  timeZone: string;
  /** How the account's bank login was refreshed in this run. */
  refresh: RefreshResult;
}

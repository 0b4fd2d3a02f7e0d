/** Sync runs: one fetch from Sophtron into the ledger, with each account's outcome and counts. */
import type { Selectable } from 'kysely';
import type {
  AccountSyncOutcome,
  SyncOutcome,
  SyncRunAccountsTable,
  SyncRunsTable,
  SyncTrigger,
} from './schema.js';
import { newId, nowIso, StoreError, type Db } from './util.js';

export type SyncRun = Selectable<SyncRunsTable>;
export type SyncRunAccount = Selectable<SyncRunAccountsTable>;

export interface AccountResult {
  accountId: string;
  outcome: AccountSyncOutcome;
  windowFrom?: string | null;
  windowTo?: string | null;
  newCount?: number;
  updatedCount?: number;
  mergedCount?: number;
  vanishedCount?: number;
  sophtronCalls?: number;
  error?: string | null;
}

/**
 * A run's outcome from its accounts: all fine → succeeded, all failed → failed, else partial. An
 * account that needs attention was still read (what Sophtron had), so it makes a run partial.
 */
export function summarizeOutcome(results: { outcome: AccountSyncOutcome }[]): SyncOutcome {
  const counted = results.filter((r) => r.outcome !== 'skipped');
  const failed = counted.filter((r) => r.outcome === 'failed').length;
  const attention = counted.filter((r) => r.outcome === 'needs_attention').length;
  if (failed + attention === 0) return 'succeeded';
  if (failed === counted.length) return 'failed';
  return 'partial';
}

export function syncRunsRepository(db: Db) {
  const getRunRow = (familyId: string, runId: string) =>
    db
      .selectFrom('sync_runs')
      .selectAll()
      .where('family_id', '=', familyId)
      .where('id', '=', runId)
      .executeTakeFirst();
  /** Call only with a run id already checked against the family (getRunRow). */
  const accountResults = (runId: string) =>
    db
      .selectFrom('sync_run_accounts')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('account_id')
      .execute();

  return {
    async createRun(familyId: string, trigger: SyncTrigger): Promise<SyncRun> {
      const row: SyncRun = {
        id: newId(),
        family_id: familyId,
        trigger,
        started_at: nowIso(),
        finished_at: null,
        outcome: 'running',
        error: null,
        sophtron_calls: 0,
      };
      await db.insertInto('sync_runs').values(row).execute();
      return row;
    },

    /** Records (or replaces) one account's result; refuses another family's run or account. */
    async recordAccountResult(familyId: string, runId: string, r: AccountResult): Promise<void> {
      const run = await getRunRow(familyId, runId);
      const account = await db
        .selectFrom('accounts')
        .select('id')
        .where('family_id', '=', familyId)
        .where('id', '=', r.accountId)
        .executeTakeFirst();
      if (!run || !account)
        throw new StoreError(`sync run ${runId} or account ${r.accountId} not found`, 'not_found');
      const row = {
        run_id: runId,
        account_id: r.accountId,
        outcome: r.outcome,
        window_from: r.windowFrom ?? null,
        window_to: r.windowTo ?? null,
        new_count: r.newCount ?? 0,
        updated_count: r.updatedCount ?? 0,
        merged_count: r.mergedCount ?? 0,
        vanished_count: r.vanishedCount ?? 0,
        sophtron_calls: r.sophtronCalls ?? 0,
        error: r.error ?? null,
      };
      const { run_id: _r, account_id: _a, ...update } = row;
      await db
        .insertInto('sync_run_accounts')
        .values(row)
        .onConflict((oc) => oc.columns(['run_id', 'account_id']).doUpdateSet(update))
        .execute();
    },

    /**
     * Ends a run. Without an explicit outcome it is derived from the account results; the run's
     * Sophtron calls default to the sum of its accounts'.
     */
    async finishRun(
      familyId: string,
      runId: string,
      end: {
        outcome?: Exclude<SyncOutcome, 'running' | 'interrupted'>;
        error?: string | null;
        sophtronCalls?: number;
      } = {},
    ): Promise<SyncRun | undefined> {
      const run = await getRunRow(familyId, runId);
      if (!run) return undefined;
      const accounts = await accountResults(runId);
      const outcome = end.outcome ?? (end.error ? 'failed' : summarizeOutcome(accounts));
      const calls = end.sophtronCalls ?? accounts.reduce((n, a) => n + Number(a.sophtron_calls), 0);
      await db
        .updateTable('sync_runs')
        .set({ finished_at: nowIso(), outcome, error: end.error ?? null, sophtron_calls: calls })
        .where('family_id', '=', familyId)
        .where('id', '=', runId)
        .execute();
      return getRunRow(familyId, runId);
    },

    async getRun(
      familyId: string,
      runId: string,
    ): Promise<(SyncRun & { accounts: SyncRunAccount[] }) | undefined> {
      const run = await getRunRow(familyId, runId);
      if (!run) return undefined;
      return { ...run, accounts: await accountResults(runId) };
    },

    /** Newest first. */
    async listRuns(familyId: string, options: { limit?: number; offset?: number } = {}): Promise<SyncRun[]> {
      return db
        .selectFrom('sync_runs')
        .selectAll()
        .where('family_id', '=', familyId)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit ?? 50)
        .offset(options.offset ?? 0)
        .execute();
    },

    /** A run still 'running' for this family (another process may be syncing), if any. */
    async runningRun(familyId: string): Promise<SyncRun | undefined> {
      return db
        .selectFrom('sync_runs')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('outcome', '=', 'running')
        .orderBy('started_at', 'desc')
        .executeTakeFirst();
    },

    /**
     * Marks runs left 'running' by a process that ended (killed, crashed) as interrupted, finished
     * at `at`; returns how many. Call only under the family's sync lock: then no run is really running.
     */
    async failInterruptedRuns(
      familyId: string,
      startedBefore: string,
      error = 'interrupted',
      at: string = nowIso(),
    ): Promise<number> {
      const r = await db
        .updateTable('sync_runs')
        .set({ outcome: 'interrupted', error, finished_at: at })
        .where('family_id', '=', familyId)
        .where('outcome', '=', 'running')
        .where('started_at', '<', startedBefore)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}

/**
 * One account's sync within a run: read it at Sophtron, then read, plan and commit its window part
 * by part. A failure is caught here and recorded for this account alone, so it never stops the
 * others.
 */
import type { CalendarDate, ProviderAccountData } from '../domain/types.js';
import { applyBalanceRule, type StoreTx } from '../store/index.js';
import type { AccountSyncOutcome } from '../store/schema.js';
import { applyAccountSync, type AccountSyncApplied } from './apply.js';
import { addDays, daysBetween } from '../dates.js';
import { describeSyncError, type SyncStage } from './errors.js';
import { planCounts, PlanInputError, type PlanCounts } from './plan.js';
import { refreshNote } from './refresh.js';
import type { AccountJob, AccountSyncResult } from './types.js';
import { firstPartDays, nextPartDays, nextSyncedThrough, partEnd, positionWithoutRefresh } from './window.js';

/** Longest backfill part when the Sophtron read window is not configured (the client's own default). */
export const DEFAULT_PART_DAYS = 90;

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
export const totalCalls = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);
const zeroCounts = (): PlanCounts => ({ new: 0, updated: 0, merged: 0, vanished: 0 });
export async function syncAccount(job: AccountJob): Promise<AccountSyncResult> {
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

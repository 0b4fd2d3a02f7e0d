/**
 * One family's scheduled run under its sync lock: decide again, choose the accounts (leaving out
 * logins that need a person or wait for a retry), sync, record the outcomes, deliver. A run whose
 * worker died is finished here (PostgreSQL mode).
 */
import { FAMILY_WIDE, recordFailure } from './backoff.js';
import { recordConnections, syncTargets, type SyncTarget } from './connection-outcomes.js';
import { BUDGET_TITLES, type FamilyTick, type SchedulerContext } from './context.js';
import type { Decision } from './decide.js';
import { decideFor } from './decide-for.js';
import { deliverAfterSync } from './deliveries.js';
import type { FamilyLocks } from './family-lock.js';
import type { ScheduledSyncResult } from './types.js';

type RunDecision = Decision & { action: 'run' };

/** The targets this run syncs, and all the family has (to say why none were chosen). */
async function chooseTargets(ctx: SchedulerContext, familyId: string, decision: RunDecision) {
  const all = await syncTargets(ctx.store, familyId);
  const backoff = await ctx.store.backoffOf(familyId);
  const waiting = new Set(
    backoff.filter((b) => new Date(b.next_attempt_at) > ctx.now()).map((b) => b.connection_id),
  );
  const chosen = all.filter(
    (t) =>
      t.status !== 'needs_attention' &&
      t.status !== 'pending' &&
      (decision.kind === 'retry'
        ? decision.connectionIds.includes(t.connectionId)
        : !waiting.has(t.connectionId)),
  );
  return { all, chosen };
}

async function syncChosen(
  ctx: SchedulerContext,
  familyId: string,
  chosen: SyncTarget[],
  lockOwner: string,
): Promise<ScheduledSyncResult> {
  try {
    return await ctx.deps.runSync(familyId, {
      accountIds: chosen.map((t) => t.accountId),
      trigger: 'schedule',
      lockHeldBy: lockOwner,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: 'failed', accounts: [], error: message };
  }
}

/** After a sync that reached its accounts: their outcomes, the deliveries, the summary. */
async function recordSynced(
  ctx: SchedulerContext,
  familyId: string,
  chosen: SyncTarget[],
  result: ScheduledSyncResult,
  lockOwner: string,
): Promise<void> {
  const { store, notifier } = ctx;
  await store.clearBackoff(familyId, FAMILY_WIDE);
  await notifier.outcome(familyId, 'sync', 'Scheduled sync', { ok: true });
  await notifier.outcome(familyId, 'budget', 'Scheduled syncs', { ok: true }, BUDGET_TITLES);
  await recordConnections(ctx, familyId, chosen, result);
  const synced = result.accounts.filter((a) => a.outcome === 'succeeded');
  // an account whose bank asks for MFA still synced what Sophtron had: deliver that too
  const wrote = result.accounts.some((a) => a.outcome === 'succeeded' || a.outcome === 'needs_attention');
  const notes = wrote ? await deliverAfterSync(ctx, familyId, lockOwner) : [];
  const newCount = synced.reduce((s, a) => s + (a.newCount ?? 0), 0);
  const summary = `${synced.length}/${result.accounts.length} accounts synced, ${newCount} new transactions${notes.length ? `; ${notes.join('; ')}` : ''}`;
  await store.setScheduleOutcome(familyId, result.outcome, summary);
  if (result.outcome === 'succeeded') await notifier.success(familyId, 'sync', 'Sync finished', summary);
}

async function runLocked(
  ctx: SchedulerContext,
  familyId: string,
  decision: RunDecision,
  lockOwner: string,
): Promise<FamilyTick> {
  const { store, notifier } = ctx;
  const startedAt = ctx.now().toISOString();
  const { all, chosen } = await chooseTargets(ctx, familyId, decision);
  if (decision.kind === 'slot')
    await store.setScheduleOutcome(familyId, 'running', decision.reason, startedAt);
  if (chosen.length === 0) {
    const why =
      all.length === 0 ? 'no linked accounts' : 'every connection needs attention or waits for a retry';
    await store.setScheduleOutcome(familyId, 'skipped', why);
    return { familyId, decision, ran: 'nothing-to-sync' };
  }
  const result = await syncChosen(ctx, familyId, chosen, lockOwner);
  if (
    result.outcome === 'failed' &&
    result.accounts.every((a) => a.outcome !== 'needs_attention' && a.outcome !== 'failed')
  ) {
    // the whole run failed before any account (credentials, Sophtron down): retry the family later
    const message = result.error ?? 'sync failed';
    await recordFailure(store, familyId, FAMILY_WIDE, message, ctx.settings.backoff, ctx.now());
    await notifier.outcome(familyId, 'sync', 'Scheduled sync', { ok: false, kind: 'failure', message });
    await store.setScheduleOutcome(familyId, 'failed', message);
    return { familyId, decision, ran: 'failed', result };
  }
  await recordSynced(ctx, familyId, chosen, result, lockOwner);
  return { familyId, decision, ran: 'ran', result };
}

/**
 * The family's last scheduled run started and never finished: its process died (we hold the
 * lock). 'unsynced' when its sync did not finish either; else the outcome of the sync it finished
 * (the process died after it, in the bookkeeping: deliveries, notifications).
 */
async function leftBehind(
  ctx: SchedulerContext,
  familyId: string,
): Promise<null | 'unsynced' | { outcome: string }> {
  const row = await ctx.store.getScheduleRow(familyId);
  if (row?.last_outcome !== 'running' || !row.last_run_at) return null;
  const outcome = await ctx.store.scheduledRunOutcomeSince(familyId, row.last_run_at);
  return outcome && outcome !== 'running' && outcome !== 'interrupted' ? { outcome } : 'unsynced';
}

export async function runFamily(
  ctx: SchedulerContext,
  locks: FamilyLocks,
  familyId: string,
  first: Decision,
  options: { resume?: boolean } = {},
): Promise<FamilyTick> {
  const log = ctx.deps.log;
  const tick = await locks.under(familyId, async (lockOwner): Promise<FamilyTick> => {
    // another process may have run it between our decision and our lock: decide again
    let decision = await decideFor(ctx, familyId);
    // A queued job taken over from a worker that died mid-run: its slot counts as started, so
    // deciding again says "not due"; the run is finished here instead.
    const left = decision.action !== 'run' && options.resume ? await leftBehind(ctx, familyId) : null;
    if (left === 'unsynced')
      decision = {
        action: 'run',
        kind: 'slot',
        due: ctx.now(),
        reason: 'finishing a scheduled sync whose worker stopped',
      };
    else if (left) {
      // its sync finished: not run twice; what followed it (the deliveries) is done now
      const notes = left.outcome === 'failed' ? [] : await deliverAfterSync(ctx, familyId, lockOwner);
      const finished = ['finished after its worker stopped', ...notes].join('; ');
      await ctx.store.setScheduleOutcome(familyId, left.outcome, finished);
      return { familyId, decision, ran: 'ran' };
    }
    if (decision.action !== 'run') return { familyId, decision, ran: 'no-longer-due' };
    log?.info({ familyId, kind: decision.kind, reason: decision.reason }, 'scheduled sync starting');
    const ran = await runLocked(ctx, familyId, decision, lockOwner);
    log?.info({ familyId, ran: ran.ran, outcome: ran.result?.outcome }, 'scheduled sync done');
    return ran;
  });
  return tick === 'locked' ? { familyId, decision: first, ran: 'locked' } : tick;
}

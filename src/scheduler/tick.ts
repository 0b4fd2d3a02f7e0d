/**
 * One pass of the scheduler: now and then the incidents' housekeeping, then for every family with
 * a schedule on, its decision: wait (saying once when the month's budget ran out), put it on the
 * job queue (PostgreSQL mode), or run it here. One family's trouble never stops the others.
 */
import { BUDGET_TITLES, type FamilyTick, type SchedulerContext } from './context.js';
import type { Decision } from './decide.js';
import { decideFor } from './decide-for.js';

/** How often the incidents' housekeeping runs. */
export const CLEANUP_EVERY_MS = 3_600_000;

export async function cleanupIncidents(ctx: SchedulerContext): Promise<void> {
  const r = await ctx.store.cleanupIncidents(ctx.now());
  if (r.deleted || r.closed) ctx.deps.log?.info(r, 'old and orphaned incidents cleaned up');
}

/** One message when the month's budget runs out (not one per tick); one when syncs resume. */
async function announceBudgetExhausted(
  ctx: SchedulerContext,
  familyId: string,
  decision: Decision & { action: 'wait' },
) {
  await ctx.notifier.outcome(
    familyId,
    'budget',
    'Scheduled syncs',
    {
      ok: false,
      kind: 'failure',
      message: `${decision.reason} (${decision.until?.toISOString() ?? ''})`,
    },
    BUDGET_TITLES,
  );
}

export async function tickFamily(
  ctx: SchedulerContext,
  familyId: string,
  run: (familyId: string, decision: Decision) => Promise<FamilyTick>,
): Promise<FamilyTick> {
  try {
    const decision = await decideFor(ctx, familyId);
    if (decision.action !== 'run') {
      if (decision.budgetExhausted) await announceBudgetExhausted(ctx, familyId, decision);
      return { familyId, decision };
    }
    if (ctx.deps.dispatch) {
      const queued = await ctx.deps.dispatch(familyId, decision.due);
      return { familyId, decision, ran: queued ? 'queued' : 'already-queued' };
    }
    return await run(familyId, decision);
  } catch (err) {
    ctx.deps.log?.error(
      { familyId, error: err instanceof Error ? err.message : String(err) },
      'scheduler tick failed for a family',
    );
    return { familyId, decision: { action: 'wait', until: null, reason: 'error' }, ran: 'failed' };
  }
}

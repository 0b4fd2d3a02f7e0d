/** A family's decision (decide.ts) from what the ledger says now: its schedule, budget, runs and backoff. */
import { FAMILY_WIDE } from './backoff.js';
import { pace } from './budget.js';
import type { SchedulerContext } from './context.js';
import { decide, type Decision } from './decide.js';
import { checkBudget, familyBudget, getSchedule } from './schedules.js';

export async function decideFor(ctx: SchedulerContext, familyId: string): Promise<Decision> {
  const { store, settings } = ctx;
  const at = ctx.now();
  const schedule = await getSchedule(store, familyId, settings);
  const timeZone = await store.familyTimeZone(familyId);
  if (timeZone === undefined || !schedule.enabled)
    return { action: 'wait', until: null, reason: 'schedule is off' };
  const { projection } = await checkBudget(
    store,
    familyId,
    schedule.cron,
    schedule.monthlyBudget,
    settings,
    at,
  );
  const budget = await familyBudget(store, schedule, timeZone, settings, at);
  const lastStartedAt = await store.lastRunStartedAt(familyId);
  const backoff = await store.backoffOf(familyId);
  const familyRetry = backoff.find((b) => b.connection_id === FAMILY_WIDE);
  return decide({
    now: at,
    enabled: schedule.enabled,
    cron: schedule.cron,
    timeZone,
    lastRunAt: schedule.lastRunAt ? new Date(schedule.lastRunAt) : null,
    scheduleSetAt: new Date(schedule.updatedAt),
    lastAnyRunAt: lastStartedAt ? new Date(lastStartedAt) : null,
    minGapMs: settings.minGapMs,
    pace: pace({
      cron: schedule.cron,
      timeZone,
      now: at,
      remaining: budget.remaining,
      callsPerSync: projection.callsPerSync,
    }),
    familyRetryAt: familyRetry ? new Date(familyRetry.next_attempt_at) : null,
    connectionRetries: backoff
      .filter((b) => b.connection_id !== FAMILY_WIDE)
      .map((b) => ({ connectionId: b.connection_id, at: new Date(b.next_attempt_at) })),
  });
}

/**
 * The scheduler's one decision, pure: given a family's schedule and state at `now`, run now (a
 * cron slot, or a retry of failed connections) or wait (until when, and why). Everything that
 * makes schedules trustworthy lives here: missed slots collapse into one run (the next slot is
 * counted from the last run, not from each missed one), no run right after another sync (start-up
 * after a restart), spacing when the budget runs short, and backoff after failures.
 */
import type { Pace } from './budget.js';
import { nextSlot } from './cron.js';

export interface DecideInput {
  now: Date;
  enabled: boolean;
  cron: string;
  timeZone: string;
  /** When the scheduler last started a slot run (null: never). */
  lastRunAt: Date | null;
  /** When the schedule was set (the first slot counts from here when there was no run yet). */
  scheduleSetAt: Date;
  /** Start of the family's latest sync of any kind (CLI, web, schedule). */
  lastAnyRunAt: Date | null;
  minGapMs: number;
  pace: Pace;
  /** Family-wide backoff after a failed run, if any. */
  familyRetryAt: Date | null;
  /** Connections in backoff and when each may be retried. */
  connectionRetries: { connectionId: string; at: Date }[];
}

export type Decision =
  /** `due`: the slot or retry time this run serves (one run per due time, whoever decides it). */
  | { action: 'run'; kind: 'slot'; due: Date; reason: string }
  | { action: 'run'; kind: 'retry'; due: Date; connectionIds: string[]; reason: string }
  | { action: 'wait'; until: Date | null; reason: string; budgetExhausted?: true };

export function decide(input: DecideInput): Decision {
  const { now } = input;
  if (!input.enabled) return { action: 'wait', until: null, reason: 'schedule is off' };
  const anchor =
    input.lastRunAt && input.lastRunAt > input.scheduleSetAt ? input.lastRunAt : input.scheduleSetAt;
  const slot = nextSlot(input.cron, input.timeZone, anchor);
  const slotDue = slot !== null && slot <= now;
  const familyRetryDue = input.familyRetryAt !== null && input.familyRetryAt <= now;

  if (input.familyRetryAt && !familyRetryDue) {
    return { action: 'wait', until: input.familyRetryAt, reason: 'retrying after a failed sync' };
  }
  if (input.pace.kind === 'exhausted' && (slotDue || familyRetryDue || input.connectionRetries.length > 0)) {
    return {
      action: 'wait',
      until: input.pace.until,
      reason: `this month's Sophtron budget is used up (${input.pace.remaining} calls left); syncs resume next month`,
      budgetExhausted: true,
    };
  }
  if (slotDue || familyRetryDue) {
    // a retry follows its own backoff; the gap keeps a slot (e.g. a missed one at start-up) from
    // running right after another sync
    if (
      !familyRetryDue &&
      input.lastAnyRunAt &&
      now.getTime() - input.lastAnyRunAt.getTime() < input.minGapMs
    ) {
      return {
        action: 'wait',
        until: new Date(input.lastAnyRunAt.getTime() + input.minGapMs),
        reason: 'the family synced recently',
      };
    }
    if (input.pace.kind === 'spaced' && input.lastRunAt) {
      const allowed = new Date(input.lastRunAt.getTime() + input.pace.minIntervalMs);
      if (allowed > now) {
        return {
          action: 'wait',
          until: allowed,
          reason: `spacing syncs so the rest of the month fits the budget (${input.pace.remaining} calls for about ${input.pace.affordableRuns} runs)`,
        };
      }
    }
    return {
      action: 'run',
      kind: 'slot',
      due: (familyRetryDue ? input.familyRetryAt : slot) ?? now,
      reason: familyRetryDue ? 'retry after a failed sync' : 'scheduled',
    };
  }
  const due = input.connectionRetries.filter((r) => r.at <= now);
  if (due.length > 0)
    return {
      action: 'run',
      kind: 'retry',
      due: new Date(Math.min(...due.map((r) => r.at.getTime()))),
      connectionIds: due.map((r) => r.connectionId),
      reason: 'retry of failed connections',
    };
  const nextRetry =
    input.connectionRetries.map((r) => r.at).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const until = slot && nextRetry ? (slot < nextRetry ? slot : nextRetry) : (slot ?? nextRetry);
  return { action: 'wait', until, reason: 'waiting for the next slot' };
}

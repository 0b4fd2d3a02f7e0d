/**
 * The Sophtron quota: SOPHTRON_MONTHLY_BUDGET calls a month for the whole instance (or a family's
 * own budget). A schedule is refused when its projected use does not fit; when a month's budget is
 * running out, runs are spaced so that the rest of the month still fits (slower, not failing).
 */
import type { Store } from '../store/index.js';
import { countSlots, runsPerMonth } from './cron.js';

const RECENT_RUNS = 5;

export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);
export const monthEnd = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

export interface CallsEstimate {
  callsPerSync: number;
  /** 'recent runs' (average of the last finished runs) or 'per account default'. */
  basis: 'recent runs' | 'per account default';
  linkedAccounts: number;
}

export async function estimateCallsPerSync(
  store: Store,
  familyId: string,
  callsPerAccount: number,
): Promise<CallsEstimate> {
  const linkedAccounts = await store.linkedAccountCount(familyId);
  const runs = await store.recentSyncCalls(familyId, RECENT_RUNS);
  if (runs.length > 0) {
    const avg = runs.reduce((s, calls) => s + calls, 0) / runs.length;
    return { callsPerSync: Math.ceil(avg), basis: 'recent runs', linkedAccounts };
  }
  return {
    callsPerSync: Math.max(1, linkedAccounts) * callsPerAccount,
    basis: 'per account default',
    linkedAccounts,
  };
}

export interface Projection extends CallsEstimate {
  runsPerMonth: number;
  projectedCalls: number;
}

export async function project(
  store: Store,
  familyId: string,
  cron: string,
  timeZone: string,
  callsPerAccount: number,
  now: Date,
): Promise<Projection> {
  const estimate = await estimateCallsPerSync(store, familyId, callsPerAccount);
  const runs = runsPerMonth(cron, timeZone, now);
  return { ...estimate, runsPerMonth: runs, projectedCalls: runs * estimate.callsPerSync };
}

/** Sophtron calls this month (UTC): the family's, or with no family the whole instance's. */
export async function usedThisMonth(store: Store, now: Date, familyId?: string): Promise<number> {
  return familyId ? store.monthTotal(familyId, monthOf(now)) : store.instanceMonthTotal(monthOf(now));
}

const fmt = (n: number) => n.toLocaleString('en-US');

export interface BudgetCheck {
  ok: boolean;
  budget: number;
  /** Projected calls of the other families' schedules, when the budget is the instance's. */
  othersProjected: number;
  message: string;
}

/** Whether a schedule's projected use fits its budget, with the numbers in the message. */
export function checkProjection(
  p: Projection,
  budget: number,
  othersProjected: number,
  budgetName: string,
): BudgetCheck {
  const total = p.projectedCalls + othersProjected;
  const detail = `about ${fmt(p.projectedCalls)} Sophtron calls a month (${fmt(p.callsPerSync)} calls per sync, from ${p.basis}, × ${fmt(p.runsPerMonth)} runs)`;
  const others = othersProjected > 0 ? `; other families' schedules need ${fmt(othersProjected)}` : '';
  if (total > budget) {
    return {
      ok: false,
      budget,
      othersProjected,
      message: `This schedule needs ${detail}${others}: over the ${budgetName} of ${fmt(budget)}. Choose fewer runs, or raise the budget.`,
    };
  }
  return {
    ok: true,
    budget,
    othersProjected,
    message: `This schedule needs ${detail}${others}, within the ${budgetName} of ${fmt(budget)}.`,
  };
}

export type Pace =
  | { kind: 'normal' }
  | { kind: 'spaced'; minIntervalMs: number; remaining: number; affordableRuns: number }
  | { kind: 'exhausted'; until: Date; remaining: number };

/**
 * How fast this family may run for the rest of the month: with `remaining` calls left and
 * `callsPerSync` per run, if the cron slots left this month cost more than that, space the runs
 * evenly over what is left of the month instead.
 */
export function pace(input: {
  cron: string;
  timeZone: string;
  now: Date;
  remaining: number;
  callsPerSync: number;
}): Pace {
  const end = monthEnd(input.now);
  const remaining = Math.max(0, input.remaining);
  const affordableRuns = Math.floor(remaining / Math.max(1, input.callsPerSync));
  if (affordableRuns < 1) return { kind: 'exhausted', until: end, remaining };
  const slotsLeft = countSlots(input.cron, input.timeZone, input.now, end, affordableRuns + 1);
  if (slotsLeft <= affordableRuns) return { kind: 'normal' };
  const minIntervalMs = Math.floor((end.getTime() - input.now.getTime()) / affordableRuns);
  return { kind: 'spaced', minIntervalMs, remaining, affordableRuns };
}

/** A pacing interval in words: "40 minutes", "6 hours", "3 days". */
export function intervalText(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

/**
 * A person's request that calls Sophtron (a sync, an import, a transactions read) is checked
 * against what is left of this month's budget before it spends anything: the instance's
 * (SOPHTRON_MONTHLY_BUDGET) and the family's own when it has one, the budgets the scheduler paces
 * by (`monthLeft`). A request that does not fit is refused with the figures; the person may go on
 * explicitly (`--over-budget`, `"overBudget": true`). Every call is counted either way (usage row).
 */
import type { Store } from '../store/index.js';
import { monthLeft, type FamilyBudget } from './schedules.js';
import type { SchedulerSettings } from './settings.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export interface OverBudgetFigures {
  /** Estimated Sophtron calls of the request. */
  estimate: number;
  /** Calls left of the budget that binds (the smaller of what is left). */
  remaining: number;
  budget: number;
  used: number;
  scope: FamilyBudget['scope'];
}

/** Refused: the request would spend more than what is left. The message carries the figures. */
export class OverBudgetError extends Error {
  constructor(
    readonly figures: OverBudgetFigures,
    what: string,
  ) {
    const name =
      figures.scope === 'family'
        ? "the family's monthly budget"
        : 'the monthly budget (SOPHTRON_MONTHLY_BUDGET)';
    super(
      `${what} would use about ${fmt(figures.estimate)} Sophtron calls; ${fmt(Math.max(0, figures.remaining))} of ${name} of ${fmt(figures.budget)} are left (used ${fmt(figures.used)} this month)`,
    );
    this.name = 'OverBudgetError';
  }
}

/** Throws OverBudgetError when `estimate` calls do not fit what is left this month. */
export async function checkManualCalls(
  store: Store,
  familyId: string,
  input: { estimate: number; what: string },
  settings: Pick<SchedulerSettings, 'instanceBudget'>,
  now: Date = new Date(),
): Promise<void> {
  const left = await monthLeft(store, familyId, await store.scheduleMonthlyBudget(familyId), settings, now);
  const binding =
    left.family && left.family.remaining <= left.instance.remaining ? left.family : left.instance;
  if (input.estimate <= binding.remaining) return;
  throw new OverBudgetError(
    {
      estimate: input.estimate,
      remaining: binding.remaining,
      budget: binding.budget,
      used: binding.used,
      scope: binding.scope,
    },
    input.what,
  );
}

/**
 * The check a manual sync runs once its windows are known (`SyncOptions.checkCalls`); undefined
 * when the person asked to go on over the budget.
 */
export function manualSyncGuard(
  store: Store,
  familyId: string,
  settings: Pick<SchedulerSettings, 'instanceBudget'>,
  overBudget: boolean,
  what = 'this sync',
): ((estimate: { calls: number }) => Promise<void>) | undefined {
  if (overBudget) return undefined;
  return (estimate) => checkManualCalls(store, familyId, { estimate: estimate.calls, what }, settings);
}

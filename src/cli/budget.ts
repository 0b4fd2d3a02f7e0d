/** The month's Sophtron budget as commands check it before calling Sophtron (scheduler/manual-budget.ts). */
import { manualSyncGuard } from '../scheduler/manual-budget.js';
import { schedulerSettings } from '../scheduler/settings.js';
import type { CliContext } from './context.js';

/** The check a command's sync runs; none with `--over-budget`. */
export function cliBudgetGuard(
  ctx: Pick<CliContext, 'store' | 'family' | 'config'>,
  overBudget: boolean | undefined,
  what?: string,
) {
  return manualSyncGuard(ctx.store, ctx.family.id, schedulerSettings(ctx.config), overBudget === true, what);
}

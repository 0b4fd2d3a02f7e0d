/** The scheduler's knobs, taken from Config (see src/config.ts for their variables and defaults). */
import type { Config } from '../config.js';
import type { BackoffPolicy } from './backoff.js';

export interface SchedulerSettings {
  /** SOPHTRON_MONTHLY_BUDGET: calls a month shared across the instance. */
  instanceBudget: number;
  /** Estimate of Sophtron calls per account per sync, until real runs tell. */
  callsPerAccount: number;
  /** Schedule of a family that has none yet (cron). */
  defaultCron: string;
  /** A scheduled run never starts sooner than this after the family's last sync of any kind. */
  minGapMs: number;
  backoff: BackoffPolicy;
  lockTtlMs: number;
  tickMs: number;
  /** NOTIFY_ALLOW_LINK_LOCAL (notifications/target-guard.ts). */
  allowLinkLocal?: boolean;
}

export function schedulerSettings(config: Config): SchedulerSettings {
  return {
    instanceBudget: config.sophtronMonthlyBudget,
    callsPerAccount: config.scheduleCallsPerAccount,
    defaultCron: config.scheduleDefaultCron,
    minGapMs: config.scheduleMinGapMinutes * 60_000,
    backoff: {
      baseMs: config.scheduleRetryBaseMinutes * 60_000,
      maxMs: config.scheduleRetryMaxMinutes * 60_000,
    },
    lockTtlMs: 5 * 60_000,
    tickMs: config.schedulerTickSeconds * 1000,
    allowLinkLocal: config.notifyAllowLinkLocal,
  };
}

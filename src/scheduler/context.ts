/**
 * What the parts of the scheduler share: its dependencies, what a tick reports, and the context
 * (store, settings, clock, notifier) each part is given by createScheduler (scheduler.ts).
 */
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { Decision } from './decide.js';
import type { Notifier } from './notifications/notifier.js';
import type { SchedulerSettings } from './settings.js';
import type { RunDelivery, RunSync, ScheduledSyncResult } from './types.js';

export interface SchedulerDeps {
  store: Store;
  settings: SchedulerSettings;
  runSync: RunSync;
  /** Delivers to one of the family's destinations (the app's runDelivery). */
  runDelivery?: RunDelivery;
  notifier?: Notifier;
  log?: Logger;
  now?: () => Date;
  /** Lock owner id (default: host, pid and a random part). */
  owner?: string;
  fetch?: typeof fetch;
  /**
   * PostgreSQL mode: a due family is put on the job queue (queue.ts) instead of run here; a worker
   * runs it with `runQueued`. `due` is the slot or retry time the run serves; resolves false when
   * that due time (or another run of the family) is already waiting.
   */
  dispatch?: (familyId: string, due: Date) => Promise<boolean>;
  /**
   * PostgreSQL mode: after a queued sync, each enabled destination's delivery goes on the queue
   * instead of running here; a worker runs it with `deliverQueued`.
   */
  dispatchDelivery?: (familyId: string, destination: string) => Promise<boolean>;
}

/** A queued job's kind: a sync, a notification, or a delivery to the destination of that name. */
export type QueuedWork = 'sync' | 'notify' | { destination: string };

export interface DeliveryTick {
  familyId: string;
  destination: string;
  ran: 'ran' | 'locked' | 'off';
  outcome?: 'succeeded' | 'failed';
  message?: string;
}

export interface FamilyTick {
  familyId: string;
  decision: Decision;
  /** What happened when the decision was to run. */
  ran?: 'ran' | 'locked' | 'no-longer-due' | 'nothing-to-sync' | 'failed' | 'queued' | 'already-queued';
  result?: ScheduledSyncResult;
}

/** The scheduler's dependencies with its defaults filled in. */
export interface SchedulerContext {
  deps: SchedulerDeps;
  store: Store;
  settings: SchedulerSettings;
  now: () => Date;
  notifier: Notifier;
}

export const BUDGET_TITLES = {
  opened: "Scheduled syncs paused: this month's Sophtron budget is used up",
  recovered: 'Scheduled syncs resumed',
};

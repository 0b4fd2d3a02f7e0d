/**
 * Automatic syncs, deliveries and notifications. `serve` and `worker` call `startSchedulerFor`
 * (real dependencies from a store); tests and other hosts call `startScheduler` with their own.
 */
export {
  createScheduler,
  startScheduler,
  type RunningScheduler,
  type Scheduler,
  type SchedulerDeps,
} from './scheduler.js';
export { schedulerDepsFor, startSchedulerFor } from './wiring.js';
export { schedulerSettings, type SchedulerSettings } from './settings.js';
export {
  getSchedule,
  scheduleStatus,
  ScheduleError,
  setDestination,
  setSchedule,
  type Schedule,
  type ScheduleStatus,
} from './schedules.js';
export { createNotifier, type Notifier } from './notifications/notifier.js';
export { channelsRepository, ChannelError } from './notifications/channels.js';
export type { RunDelivery, RunSync, ScheduledSyncResult } from './types.js';

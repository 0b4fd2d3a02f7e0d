/**
 * Builds the scheduler's real dependencies over the composition root (src/app/app.ts): the app's
 * sync (the family's counted Sophtron client by the one credentials rule) and its delivery to any
 * destination of the registry.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createApp, type App } from '../app/app.js';
import type { SandboxCredentials } from '../app/sophtron-credentials.js';
import type { Store } from '../store/index.js';
import type { SyncDeps } from '../sync/run.js';
import { openFamilyQueue, queuedSchedulerDeps } from './queue.js';
import { startScheduler, type RunningScheduler, type SchedulerDeps } from './scheduler.js';
import { schedulerSettings } from './settings.js';
import type { RunSync } from './types.js';

export interface WiringOptions {
  logger?: Logger;
  /** The built-in sandbox `serve` runs (the last of the credentials rule); none in a worker. */
  sandbox?: SandboxCredentials | null;
  /** Tests: a faster refresh-job poll, the sandbox's clock. */
  syncDeps?: Pick<SyncDeps, 'jobOptions' | 'clock'>;
}

const appFor = (store: Store, config: Config, options: WiringOptions): App =>
  createApp(store, config, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.syncDeps ? { syncDeps: options.syncDeps } : {}),
  });

/** The scheduler's sync: the app's, its result in the scheduler's terms. */
export function createRunSync(app: App): RunSync {
  return async (familyId, { accountIds, trigger, lockHeldBy }) => {
    const run = await app.runSync(familyId, { accountIds, trigger, lockHeldBy });
    return {
      outcome: run.outcome,
      sophtronCalls: run.sophtronCalls,
      accounts: run.accounts.map((a) => ({
        accountId: a.accountId,
        outcome: a.outcome,
        error:
          a.error ??
          (a.refresh.state === 'needs_attention' ? a.refresh.reason : null) ??
          (a.outcome === 'needs_attention' ? a.note : null),
        newCount: a.counts.new,
      })),
      error: run.outcome === 'failed' ? (run.accounts.find((a) => a.error)?.error ?? 'sync failed') : null,
    };
  };
}

/** Everything the scheduler needs from a store and the settings (for `serve` and `worker`). */
export function schedulerDepsFor(store: Store, config: Config, options: WiringOptions = {}): SchedulerDeps {
  const app = appFor(store, config, options);
  return {
    store,
    settings: schedulerSettings(config),
    runSync: createRunSync(app),
    runDelivery: app.runDelivery,
    ...(options.logger ? { log: options.logger } : {}),
  };
}

/**
 * Starts the scheduler over an open store; `stop()` waits for a running sync's bookkeeping.
 * SQLite: due families run in this process. PostgreSQL: due families go on the job queue
 * (queue.ts) for `worker` processes; with `work`, this process is one of them.
 */
export function startSchedulerFor(
  store: Store,
  config: Config,
  options: WiringOptions & { work?: { concurrency: number } } = {},
): RunningScheduler {
  const deps = schedulerDepsFor(store, config, options);
  if (store.dialect !== 'postgres' || !config.databaseUrl) return startScheduler(deps);
  const opening = openFamilyQueue(config.databaseUrl, config, options.logger ? { log: options.logger } : {});
  const queued = queuedSchedulerDeps(deps, opening, config.workerLeaseSeconds);
  const running = startScheduler(queued);
  const working = options.work
    ? opening.then((q) =>
        q.work({ scheduler: running.scheduler, notifier: queued.notifier }, options.work!.concurrency),
      )
    : opening.then(() => undefined);
  return {
    scheduler: running.scheduler,
    ready: working,
    async stop() {
      const queue = await opening.catch(() => null);
      // Stop taking jobs first, then the ticks; a running job finishes its bookkeeping.
      await queue?.stop();
      await running.stop();
    },
  };
}

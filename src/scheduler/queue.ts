/**
 * PostgreSQL mode: the work of schedules goes through a job queue (pg-boss, in the `pgboss` schema
 * of the ledger's database), so any number of `worker` processes on any number of machines share it.
 *
 * - Every scheduler tick (in `serve` and `worker`) puts each due family on the `sync-family` queue.
 *   The queue's `stately` policy with the family id as singleton key keeps at most one job waiting
 *   and one running per family, however many processes tick.
 * - A worker runs a job through `Scheduler.runQueued`: it takes the family's sync lock, decides
 *   again under it (so a slot another worker already ran is not run twice) and syncs, delivers and
 *   notifies as the in-process scheduler does.
 * - A job stays with its worker for WORKER_LEASE_SECONDS; a worker that dies loses it and another
 *   takes it after the lease. A failing job (the lock still held, the database away) is retried with
 *   doubling delays; after WORKER_RETRY_LIMIT retries it is recorded as a failed run in the sync
 *   history with its reason.
 */
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { syncRunsRepository } from '../store/sync-runs.js';
import type { Scheduler } from './scheduler.js';

export const SYNC_QUEUE = 'sync-family';

export type QueueSettings = Pick<
  Config,
  'workerLeaseSeconds' | 'workerRetryLimit' | 'workerRetryDelaySeconds' | 'workerPollSeconds'
>;

export interface SyncJobData {
  familyId: string;
}

export interface FamilyQueue {
  /** Puts a due family on the queue; false when it already has a job waiting. */
  dispatch(familyId: string): Promise<boolean>;
  /** Takes jobs, `concurrency` at a time, until stop(). */
  work(scheduler: Scheduler, concurrency: number): Promise<void>;
  /** Stops taking jobs, waits for the running ones, closes the queue's connections. */
  stop(): Promise<void>;
}

/** The lock the family's sync is already held under: worth a retry, not a failure. */
export class FamilyBusyError extends Error {
  constructor(familyId: string) {
    super(`family ${familyId}: its sync is running elsewhere; the job is retried later`);
    this.name = 'FamilyBusyError';
  }
}

const isDuplicate = (err: unknown) =>
  (err as { code?: string }).code === '23505' || /already exists/i.test(String((err as Error).message));

export async function openFamilyQueue(
  url: string,
  settings: QueueSettings,
  options: { store: Store; log?: Logger; poolSize?: number },
): Promise<FamilyQueue> {
  const { store, log } = options;
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss',
    max: options.poolSize ?? 4,
    application_name: 'sophtron-sync',
    // Jobs past their lease are found by maintenance: run it often enough for the lease to mean it.
    maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(settings.workerLeaseSeconds / 5))),
    // Cron schedules stay ours (decide.ts: budgets, pacing, backoff); the queue only carries due work.
    schedule: false,
  });
  boss.on('error', (err: Error) => log?.error({ error: err.message }, 'job queue error'));
  // pg-boss creates its schema and the queue on start: several workers starting at once deadlock
  // on that DDL, so starts are taken one at a time under a session advisory lock.
  await oneStartAtATime(url, async () => {
    await boss.start();
    const queue: PgBoss.Queue = {
      name: SYNC_QUEUE,
      policy: 'stately',
      retryLimit: settings.workerRetryLimit,
      retryDelay: settings.workerRetryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: settings.workerLeaseSeconds,
    };
    try {
      if (!(await boss.getQueue(SYNC_QUEUE))) await boss.createQueue(SYNC_QUEUE, queue);
      else await boss.updateQueue(SYNC_QUEUE, queue);
    } catch (err) {
      // Several processes starting at once: one of them created it.
      if (!isDuplicate(err)) throw err;
    }
  });

  const workers: string[] = [];
  return {
    async dispatch(familyId) {
      const id = await boss.send(SYNC_QUEUE, { familyId } satisfies SyncJobData, { singletonKey: familyId });
      return id !== null;
    },
    async work(scheduler, concurrency) {
      // pg-boss 10 runs one job at a time per work() call: one call per concurrent job.
      for (let i = 0; i < concurrency; i++) {
        workers.push(
          await boss.work<SyncJobData>(
            SYNC_QUEUE,
            { batchSize: 1, pollingIntervalSeconds: settings.workerPollSeconds, includeMetadata: true },
            async ([job]) => {
              if (!job) return;
              const { familyId } = job.data;
              try {
                const tick = await scheduler.runQueued(familyId);
                if (tick.ran === 'locked') throw new FamilyBusyError(familyId);
                log?.info({ familyId, jobId: job.id, ran: tick.ran }, 'queued sync done');
                return { ran: tick.ran };
              } catch (err) {
                const reason = err instanceof Error ? err.message : String(err);
                if (job.retryCount >= job.retryLimit && !(err instanceof FamilyBusyError)) {
                  await recordGaveUp(store, familyId, job.retryCount + 1, reason).catch(() => undefined);
                }
                log?.warn({ familyId, jobId: job.id, retry: job.retryCount, reason }, 'queued sync failed');
                throw err;
              }
            },
          ),
        );
      }
    },
    async stop() {
      for (const id of workers.splice(0)) await boss.offWork(id).catch(() => undefined);
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}

/** A job that kept failing: a failed run in the family's sync history says why. */
async function recordGaveUp(store: Store, familyId: string, attempts: number, reason: string): Promise<void> {
  const runs = syncRunsRepository(store.db);
  const run = await runs.createRun(familyId, 'schedule');
  await runs.finishRun(familyId, run.id, {
    outcome: 'failed',
    error: `scheduled sync gave up after ${attempts} attempts: ${reason}`,
    sophtronCalls: 0,
  });
}

async function oneStartAtATime(url: string, start: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'sophtron-sync' });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext('sophtron-sync:job-queue-start'))");
    await start();
  } finally {
    await client.end();
  }
}

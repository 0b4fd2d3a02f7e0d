/**
 * PostgreSQL mode: the work of schedules goes through job queues (pg-boss, in the `pgboss` schema
 * of the ledger's database), so any number of `worker` processes on any number of machines share it.
 *
 * - `sync-family`: every scheduler tick (in `serve` and `worker`) puts each due family on it, as
 *   one job per family and due time (the job id is derived from both, so two servers deciding the
 *   same due time put one job). The `stately` policy with the family id as singleton key keeps at
 *   most one job waiting and one running per family, however many processes tick.
 * - `deliver-family` (Firefly III) and `export-family` (the folder destination): a sync job that
 *   synced puts each enabled destination of the family there (at most one waiting per family).
 * - `notify`: the outcomes a job records (incidents) become one message job per channel, so a
 *   channel that is down is retried on its own.
 * - Handlers are thin: they call the scheduler's `runQueued` / `deliverQueued` and the notifier's
 *   `sendQueued`, the same code the in-process scheduler runs. Family jobs run under the family's
 *   sync lock (src/store/family-lock.ts), so a family's sync, delivery and export never overlap.
 * - A job stays with its worker for WORKER_LEASE_SECONDS; a worker that dies loses it and another
 *   takes it after the lease. A failing job (a delivery refused, the lock still held, the database
 *   away) is retried with doubling delays; after WORKER_RETRY_LIMIT retries it is recorded as a
 *   failed run in the sync history with its reason. The record is written from each queue's
 *   dead-letter queue (`<queue>-gave-up`), where pg-boss puts a job it failed for good, whether its
 *   handler threw or its worker died during the last attempt (no handler was left to write it).
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { sleep } from '../sleep.js';
import { withPostgresAdvisoryLock } from '../store/postgres.js';
import { createNotifier, type Notifier } from './notifications/notifier.js';
import type { NotificationMessage } from './notifications/message.js';
import type { QueuedWork, Scheduler, SchedulerDeps } from './scheduler.js';

export const SYNC_QUEUE = 'sync-family';
export const DELIVER_QUEUE = 'deliver-family';
export const EXPORT_QUEUE = 'export-family';
export const NOTIFY_QUEUE = 'notify';

/** Where pg-boss puts a job of `queue` that gave up (failed its last attempt). */
const gaveUpQueue = (queue: string): string => `${queue}-gave-up`;

/**
 * Why a job gave up, from what pg-boss kept of its last attempt: the error its handler threw, or
 * pg-boss's own note when no handler finished it (its worker died, or it outlived its lease).
 */
function gaveUpReason(output: unknown): string {
  const thrown = (output as { message?: unknown } | null)?.message;
  if (typeof thrown === 'string') return thrown;
  return 'its worker stopped during the attempt, or the attempt ran past its lease (WORKER_LEASE_SECONDS)';
}

/** Firefly III deliveries on one queue, file (and any other) destinations' exports on the other. */
const queueOf = (destination: string): string => (destination === 'firefly' ? DELIVER_QUEUE : EXPORT_QUEUE);

export type QueueSettings = Pick<
  Config,
  'workerLeaseSeconds' | 'workerRetryLimit' | 'workerRetryDelaySeconds' | 'workerPollSeconds'
>;

// Job data is read back from the database: parsed, never trusted as typed.
const familyJob = z.object({ familyId: z.string().min(1) });
const deliveryJob = z.object({ familyId: z.string().min(1), destination: z.string().min(1) });
const notifyJob = z.object({
  channelId: z.string().min(1),
  message: z.object({
    event: z.enum(['failure', 'needs_attention', 'recovery', 'success', 'test']),
    familyId: z.string().min(1),
    familyName: z.string(),
    subject: z.string(),
    title: z.string(),
    body: z.string(),
    occurredAt: z.string(),
  }),
});

export interface FamilyQueue {
  /** Puts a family's due time on the queue; false when it (or another run of the family) already waits. */
  dispatch(familyId: string, due: Date): Promise<boolean>;
  /** Puts a family's delivery to one destination on its queue; false when one already waits. */
  dispatchDelivery(familyId: string, destination: string): Promise<boolean>;
  /** Puts one notification to one channel on the queue. */
  notify(channelId: string, message: NotificationMessage): Promise<void>;
  /** Takes jobs from every queue, `concurrency` at a time each, until stop(). */
  work(doers: { scheduler: Scheduler; notifier: Notifier }, concurrency: number): Promise<void>;
  /** Stops taking jobs, waits for the running ones, closes the queue's connections. */
  stop(): Promise<void>;
}

/** The lock the family's work is held under elsewhere: worth a retry. */
export class FamilyBusyError extends Error {
  constructor(familyId: string) {
    super(`family ${familyId}: its sync or delivery is running elsewhere; the job is retried later`);
    this.name = 'FamilyBusyError';
  }
}

const isDuplicate = (err: unknown) =>
  (err as { code?: string }).code === '23505' || /already exists/i.test(String((err as Error).message));

/** A job id that is the same for the same key (a uuid's shape from its hash). */
export function jobIdFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A sync job enqueues its deliveries while it still holds the family's lock (so a worker dying
 * right after the sync cannot lose them): a delivery taken at once waits a little for the lock
 * (up to 10 s, and well within the lease: pg-boss fails a job whose handler outlives it) before it
 * counts as busy and goes back to the queue.
 */
const LOCK_POLL_MS = 250;

async function whenFree<T extends { ran?: string }>(
  familyId: string,
  leaseSeconds: number,
  run: () => Promise<T>,
): Promise<T> {
  const tries = Math.max(1, Math.min(40, Math.floor((leaseSeconds * 1000) / 3 / LOCK_POLL_MS)));
  for (let i = 0; ; i++) {
    const tick = await run();
    if (tick.ran !== 'locked') return tick;
    if (i + 1 >= tries) throw new FamilyBusyError(familyId);
    await sleep(LOCK_POLL_MS);
  }
}

export async function openFamilyQueue(
  url: string,
  settings: QueueSettings,
  options: { log?: Logger; poolSize?: number },
): Promise<FamilyQueue> {
  const { log } = options;
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
  const policies: [string, PgBoss.QueuePolicy][] = [
    [SYNC_QUEUE, 'stately'],
    [DELIVER_QUEUE, 'stately'],
    [EXPORT_QUEUE, 'stately'],
    [NOTIFY_QUEUE, 'standard'],
  ];
  // pg-boss creates its schema and the queues on start: several workers starting at once deadlock
  // on that DDL, so starts are taken one at a time under a session advisory lock.
  await withPostgresAdvisoryLock(url, 'sophtron-sync:job-queue-start', async () => {
    await boss.start();
    for (const [name, policy] of policies) {
      const queue: PgBoss.Queue = {
        name,
        policy,
        retryLimit: settings.workerRetryLimit,
        retryDelay: settings.workerRetryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: settings.workerLeaseSeconds,
      };
      try {
        const deadLetter = gaveUpQueue(name);
        if (!(await boss.getQueue(deadLetter))) await boss.createQueue(deadLetter, { name: deadLetter });
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { ...queue, deadLetter });
        else await boss.updateQueue(name, { ...queue, deadLetter });
      } catch (err) {
        // Several processes starting at once: one of them created it.
        if (!isDuplicate(err)) throw err;
      }
    }
  });

  const workers: string[] = [];

  /** Registers `concurrency` one-job-at-a-time handlers (pg-boss 10 runs one job per work() call). */
  async function take<T>(
    queue: string,
    concurrency: number,
    parse: (data: unknown) => T,
    about: (data: T) => { familyId: string; work: QueuedWork },
    run: (data: T) => Promise<object>,
    gaveUp: (familyId: string, work: QueuedWork, attempts: number, reason: string) => Promise<void>,
  ): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      workers.push(
        await boss.work(
          queue,
          { batchSize: 1, pollingIntervalSeconds: settings.workerPollSeconds, includeMetadata: true },
          async ([job]) => {
            if (!job) return;
            const data = parse(job.data);
            const { familyId, work } = about(data);
            try {
              const out = await run(data);
              log?.info({ queue, familyId, jobId: job.id, ...out }, 'queued job done');
              return out;
            } catch (err) {
              const reason = err instanceof Error ? err.message : String(err);
              // A job put on the queue before it had a dead-letter queue is recorded here.
              if (job.retryCount >= job.retryLimit && !job.deadLetter) {
                await gaveUp(familyId, work, job.retryCount + 1, reason).catch((e: unknown) =>
                  log?.error({ familyId, error: String(e) }, 'could not record a job that gave up'),
                );
              }
              log?.warn(
                { queue, familyId, jobId: job.id, retry: job.retryCount, reason },
                'queued job failed',
              );
              throw err;
            }
          },
        ),
      );
    }
    // pg-boss copies the job's data, its last output and its retry limit to the dead-letter queue.
    const deadLetter = gaveUpQueue(queue);
    workers.push(
      await boss.work(
        deadLetter,
        { batchSize: 1, pollingIntervalSeconds: settings.workerPollSeconds, includeMetadata: true },
        async ([job]) => {
          if (!job) return;
          const { familyId, work } = about(parse(job.data));
          await gaveUp(familyId, work, job.retryLimit + 1, gaveUpReason(job.output));
          log?.warn({ queue, familyId, jobId: job.id }, 'queued job gave up');
        },
      ),
    );
  }

  return {
    async dispatch(familyId, due) {
      const id = await boss.send(
        SYNC_QUEUE,
        { familyId },
        {
          id: jobIdFor(`${SYNC_QUEUE}|${familyId}|${due.toISOString()}`),
          singletonKey: familyId,
        },
      );
      return id !== null;
    },
    async dispatchDelivery(familyId, destination) {
      const id = await boss.send(
        queueOf(destination),
        { familyId, destination },
        { singletonKey: `${familyId}:${destination}` },
      );
      return id !== null;
    },
    async notify(channelId, message) {
      await boss.send(NOTIFY_QUEUE, { channelId, message }, {});
    },
    async work({ scheduler, notifier }, concurrency) {
      const gaveUp = scheduler.gaveUp.bind(scheduler);
      await take(
        SYNC_QUEUE,
        concurrency,
        (d) => familyJob.parse(d),
        (d) => ({ familyId: d.familyId, work: 'sync' }),
        async (d) => {
          const tick = await whenFree(d.familyId, settings.workerLeaseSeconds, () =>
            scheduler.runQueued(d.familyId),
          );
          return { ran: tick.ran, outcome: tick.result?.outcome };
        },
        gaveUp,
      );
      for (const queue of [DELIVER_QUEUE, EXPORT_QUEUE]) {
        await take(
          queue,
          concurrency,
          (d) => deliveryJob.parse(d),
          (d) => ({ familyId: d.familyId, work: { destination: d.destination } }),
          async (d) => {
            const tick = await whenFree(d.familyId, settings.workerLeaseSeconds, () =>
              scheduler.deliverQueued(d.familyId, d.destination),
            );
            // recorded and announced already: failing the job retries it with backoff
            if (tick.outcome === 'failed') throw new Error(tick.message ?? 'delivery failed');
            return { ran: tick.ran, outcome: tick.outcome };
          },
          gaveUp,
        );
      }
      await take(
        NOTIFY_QUEUE,
        1,
        (d) => notifyJob.parse(d),
        (d) => ({ familyId: d.message.familyId, work: 'notify' }),
        async (d) => {
          const result = await notifier.sendQueued(d.channelId, d.message);
          if (result && !result.ok) throw new Error(`${result.name}: ${result.error ?? 'not sent'}`);
          return { sent: result !== null };
        },
        gaveUp,
      );
    },
    async stop() {
      for (const id of workers.splice(0)) await boss.offWork(id).catch(() => undefined);
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}

/**
 * The scheduler's dependencies in PostgreSQL mode: due families, deliveries and notifications go
 * on the queue; the notifier returned is the one a worker sends queued messages with.
 */
export function queuedSchedulerDeps(
  deps: SchedulerDeps,
  opening: Promise<FamilyQueue>,
  leaseSeconds: number,
): SchedulerDeps & { notifier: Notifier } {
  const notifier = createNotifier({
    store: deps.store,
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    allowLinkLocal: !!deps.settings.allowLinkLocal,
    enqueue: async (channelId, message) => (await opening).notify(channelId, message),
  });
  return {
    ...deps,
    notifier,
    // A worker that died stops renewing the family's lock: it must expire by the time its job does.
    settings: { ...deps.settings, lockTtlMs: Math.min(deps.settings.lockTtlMs, leaseSeconds * 1000) },
    dispatch: async (familyId, due) => (await opening).dispatch(familyId, due),
    dispatchDelivery: async (familyId, destination) =>
      (await opening).dispatchDelivery(familyId, destination),
  };
}

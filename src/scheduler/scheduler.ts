/**
 * The scheduler: every tick, for each family with a schedule, decide (decide.ts) and, when due,
 * take the family's lock and run the sync, then the deliveries that follow it, then record the
 * outcomes (backoff, incidents → notifications). Runs inside `serve` and as `worker`; any number
 * of them may share one database, the lock makes sure one family's sync runs once.
 *
 * The parts: decide-for.ts (a decision from the ledger), tick.ts (one pass), run-family.ts (a run
 * under the lock), connection-outcomes.ts, deliveries.ts, family-lock.ts; context.ts holds what
 * they share.
 */
import { destinations } from '../app/destinations.js';
import { newOwnerId } from '../store/family-lock.js';
import type { DeliveryTick, FamilyTick, QueuedWork, SchedulerContext, SchedulerDeps } from './context.js';
import type { Decision } from './decide.js';
import { decideFor } from './decide-for.js';
import { deliverOne } from './deliveries.js';
import { createFamilyLocks } from './family-lock.js';
import { createNotifier } from './notifications/notifier.js';
import { runFamily } from './run-family.js';
import { CLEANUP_EVERY_MS, cleanupIncidents, tickFamily } from './tick.js';

export type { DeliveryTick, FamilyTick, QueuedWork, SchedulerDeps } from './context.js';

/** How the sync history names a job that gave up. */
const gaveUpLabel = (work: QueuedWork): string =>
  work === 'sync'
    ? 'scheduled sync'
    : work === 'notify'
      ? 'notification'
      : (destinations.get(work.destination)?.deliveryTitle ?? `delivery to ${work.destination}`);

export interface Scheduler {
  owner: string;
  /** One pass over every family with a schedule. Never throws for one family's trouble. */
  tick(): Promise<FamilyTick[]>;
  /** Decides for one family (for `schedule show` and the page). */
  decideFor(familyId: string): Promise<Decision>;
  /** A queued job (PostgreSQL mode): decides again and, when still due, runs the family under its lock. */
  runQueued(familyId: string): Promise<FamilyTick>;
  /** A queued delivery (PostgreSQL mode): one destination of the family, under the family's lock. */
  deliverQueued(familyId: string, destination: string): Promise<DeliveryTick>;
  /** A queued job that kept failing: a failed run in the family's sync history says what and why. */
  gaveUp(familyId: string, work: QueuedWork, attempts: number, reason: string): Promise<void>;
  /** Releases every lock this scheduler holds. */
  close(): Promise<void>;
}

/** The scheduler's context: its dependencies with the clock and the notifier filled in. */
function contextOf(deps: SchedulerDeps): SchedulerContext {
  const { store, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const notifier =
    deps.notifier ??
    createNotifier({
      store,
      log: deps.log,
      now,
      fetch: deps.fetch,
      allowLinkLocal: !!settings.allowLinkLocal,
    });
  return { deps, store, settings, now, notifier };
}

/** A job that gave up: a failed run in the history; a sync's slot counts as served. */
async function recordGaveUp(ctx: SchedulerContext, familyId: string, work: QueuedWork, error: string) {
  const { store, notifier } = ctx;
  const run = await store.createRun(familyId, 'schedule');
  await store.finishRun(familyId, run.id, { outcome: 'failed', error, sophtronCalls: 0 });
  if (work === 'sync') {
    // the due time counts as served: the schedule moves on to its next slot
    await store.setScheduleOutcome(familyId, 'failed', error, ctx.now().toISOString());
    await notifier.outcome(familyId, 'sync', 'Scheduled sync', {
      ok: false,
      kind: 'failure',
      message: error,
    });
  } else if (work !== 'notify')
    await store.recordDeliveryOutcome(familyId, work.destination, 'failed', error, ctx.now().toISOString());
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const ctx = contextOf(deps);
  const owner = deps.owner ?? newOwnerId();
  const locks = createFamilyLocks(ctx, owner);
  const run = (familyId: string, decision: Decision, options?: { resume?: boolean }) =>
    runFamily(ctx, locks, familyId, decision, options);
  let lastCleanup = 0;

  return {
    owner,
    decideFor: (familyId) => decideFor(ctx, familyId),
    async tick() {
      if (ctx.now().getTime() - lastCleanup >= CLEANUP_EVERY_MS) {
        lastCleanup = ctx.now().getTime();
        await cleanupIncidents(ctx);
      }
      const out: FamilyTick[] = [];
      for (const familyId of await ctx.store.enabledScheduleFamilies()) {
        out.push(await tickFamily(ctx, familyId, run));
      }
      return out;
    },
    async runQueued(familyId) {
      // Decided under the family's lock (runFamily), where a run interrupted by a dead worker shows.
      return run(familyId, await decideFor(ctx, familyId), { resume: true });
    },
    async deliverQueued(familyId, destination) {
      const ran = await locks.under(familyId, async (lockOwner): Promise<DeliveryTick> => {
        const d = (await ctx.store.listDestinations(familyId)).find((x) => x.destination === destination);
        // switched off (or removed) since the sync queued it
        if (!d?.enabled) return { familyId, destination, ran: 'off' };
        return { familyId, destination, ran: 'ran', ...(await deliverOne(ctx, familyId, d, lockOwner)) };
      });
      return ran === 'locked' ? { familyId, destination, ran: 'locked' } : ran;
    },
    async gaveUp(familyId, work, attempts, reason) {
      const error = `${gaveUpLabel(work)} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`;
      await recordGaveUp(ctx, familyId, work, error);
    },
    close: () => locks.releaseAll(),
  };
}

export interface RunningScheduler {
  scheduler: Scheduler;
  /** PostgreSQL mode: resolves once the job queue is open (and, for a worker, taking jobs). */
  ready?: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts ticking (the first tick right away: a run missed while the server was down happens once,
 * unless the family synced recently). `stop()` waits for a running tick and releases the locks.
 */
export function startScheduler(deps: SchedulerDeps): RunningScheduler {
  const scheduler = createScheduler(deps);
  let current: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const tick = () => {
    if (busy || stopped) return;
    busy = true;
    current = scheduler
      .tick()
      .catch((err: unknown) =>
        deps.log?.error({ error: err instanceof Error ? err.message : String(err) }, 'scheduler tick failed'),
      )
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(tick, deps.settings.tickMs);
  tick();
  deps.log?.info({ owner: scheduler.owner, tickSeconds: deps.settings.tickMs / 1000 }, 'scheduler started');
  return {
    scheduler,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
      await scheduler.close();
    },
  };
}

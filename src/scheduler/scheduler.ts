/**
 * The scheduler: every tick, for each family with a schedule, decide (decide.ts) and, when due,
 * take the family's lock and run the sync, then the deliveries that follow it, then record the
 * outcomes (backoff, incidents → notifications). Runs inside `serve` and as `worker`; any number
 * of them may share one database, the lock makes sure one family's sync runs once.
 */
import type { Logger } from '../log.js';
import type { ScheduleDestination, Store } from '../store/index.js';
import { FAMILY_WIDE, recordFailure } from './backoff.js';
import { pace } from './budget.js';
import { decide, type Decision } from './decide.js';
import {
  acquireOrTakeOver,
  familySyncLock,
  holderText,
  newOwnerId,
  releaseLock,
  renewLock,
} from '../sync/lock.js';
import { createNotifier, type Notifier } from './notifications/notifier.js';
import { checkBudget, familyBudget, getSchedule } from './schedules.js';
import type { SchedulerSettings } from './settings.js';
import type { RunDelivery, RunSync, ScheduledSyncResult } from './types.js';
import { destinations } from '../app/destinations.js';

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

/** How the sync history names a job that gave up. */
const gaveUpLabel = (work: QueuedWork): string =>
  work === 'sync'
    ? 'scheduled sync'
    : work === 'notify'
      ? 'notification'
      : (destinations.get(work.destination)?.deliveryTitle ?? `delivery to ${work.destination}`);

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

const CLEANUP_EVERY_MS = 3_600_000;
const BUDGET_TITLES = {
  opened: "Scheduled syncs paused: this month's Sophtron budget is used up",
  recovered: 'Scheduled syncs resumed',
};

interface SyncTarget {
  accountId: string;
  connectionId: string;
  status: string;
  institutionName: string;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { store, settings } = deps;
  // the family's sync lock lives in src/sync/lock.ts, over the database for now
  const db = store.db;
  const now = deps.now ?? (() => new Date());
  const owner = deps.owner ?? newOwnerId();
  const notifier =
    deps.notifier ??
    createNotifier({
      store,
      log: deps.log,
      now,
      fetch: deps.fetch,
      allowLinkLocal: !!settings.allowLinkLocal,
    });
  /** Locks held now, and under which owner: each hold has its own (jobs of one process run side by side). */
  const held = new Map<string, string>();
  let holds = 0;
  let lastCleanup = 0;

  async function decideFor(familyId: string): Promise<Decision> {
    const at = now();
    const schedule = await getSchedule(store, familyId, settings);
    const timeZone = await store.familyTimeZone(familyId);
    if (timeZone === undefined || !schedule.enabled)
      return { action: 'wait', until: null, reason: 'schedule is off' };
    const { projection } = await checkBudget(
      store,
      familyId,
      schedule.cron,
      schedule.monthlyBudget,
      settings,
      at,
    );
    const budget = await familyBudget(store, schedule, timeZone, settings, at);
    const lastStartedAt = await store.lastRunStartedAt(familyId);
    const backoff = await store.backoffOf(familyId);
    const familyRetry = backoff.find((b) => b.connection_id === FAMILY_WIDE);
    return decide({
      now: at,
      enabled: schedule.enabled,
      cron: schedule.cron,
      timeZone,
      lastRunAt: schedule.lastRunAt ? new Date(schedule.lastRunAt) : null,
      scheduleSetAt: new Date(schedule.updatedAt),
      lastAnyRunAt: lastStartedAt ? new Date(lastStartedAt) : null,
      minGapMs: settings.minGapMs,
      pace: pace({
        cron: schedule.cron,
        timeZone,
        now: at,
        remaining: budget.remaining,
        callsPerSync: projection.callsPerSync,
      }),
      familyRetryAt: familyRetry ? new Date(familyRetry.next_attempt_at) : null,
      connectionRetries: backoff
        .filter((b) => b.connection_id !== FAMILY_WIDE)
        .map((b) => ({ connectionId: b.connection_id, at: new Date(b.next_attempt_at) })),
    });
  }

  async function targets(familyId: string): Promise<SyncTarget[]> {
    const rows = await store.listSyncableAccounts(familyId);
    return rows.map((a) => ({
      accountId: a.id,
      connectionId: a.connection_id,
      status: a.connection_status,
      institutionName: a.institution_name,
    }));
  }

  async function setOutcome(familyId: string, outcome: string, message: string, startedAt?: string) {
    await store.setScheduleOutcome(familyId, outcome, message, startedAt);
  }

  async function recordConnections(familyId: string, list: SyncTarget[], result: ScheduledSyncResult) {
    const at = now();
    const byConnection = new Map<string, { target: SyncTarget; outcomes: ScheduledSyncResult['accounts'] }>();
    for (const a of result.accounts) {
      const target = list.find((t) => t.accountId === a.accountId);
      if (!target) continue;
      const entry = byConnection.get(target.connectionId) ?? { target, outcomes: [] };
      entry.outcomes.push(a);
      byConnection.set(target.connectionId, entry);
    }
    for (const [connectionId, { target, outcomes }] of byConnection) {
      const subject = `connection:${connectionId}`;
      const attention = outcomes.find((o) => o.outcome === 'needs_attention');
      const failed = outcomes.find((o) => o.outcome === 'failed');
      if (attention) {
        // not retried: the connection's status keeps it out until a person reconnects it
        await store.clearBackoff(familyId, connectionId);
        await notifier.outcome(familyId, subject, target.institutionName, {
          ok: false,
          kind: 'needs_attention',
          message: `${target.institutionName}: ${attention.error ?? 'the bank asks for a security step (MFA) or new credentials'}`,
        });
      } else if (failed) {
        const error = failed.error ?? 'sync failed';
        const b = await recordFailure(store, familyId, connectionId, error, settings.backoff, at);
        deps.log?.warn(
          { familyId, connectionId, failures: b.failures, retryAt: b.nextAttemptAt },
          'connection sync failed; will retry',
        );
        await notifier.outcome(familyId, subject, target.institutionName, {
          ok: false,
          kind: 'failure',
          message: `${target.institutionName}: ${error}`,
        });
      } else if (outcomes.some((o) => o.outcome === 'succeeded')) {
        await store.clearBackoff(familyId, connectionId);
        await notifier.outcome(familyId, subject, target.institutionName, { ok: true });
      }
    }
  }

  async function recordDelivery(familyId: string, destination: string, outcome: string, message: string) {
    await store.recordDeliveryOutcome(familyId, destination, outcome, message, now().toISOString());
  }

  /** One destination's delivery (we hold the family's lock): run, notify, record its outcome. */
  async function deliverOne(
    familyId: string,
    d: ScheduleDestination,
    lockOwner: string,
  ): Promise<{ outcome: 'succeeded' | 'failed'; message: string }> {
    const subject = `delivery:${d.destination}`;
    const label = destinations.get(d.destination)?.deliveryTitle ?? `Delivery to ${d.destination}`;
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let message: string;
    try {
      if (!deps.runDelivery) throw new Error('delivery is not available in this process');
      message = (
        await deps.runDelivery(familyId, d.destination, d.options, { lockHeldBy: lockOwner, now: now() })
      ).message;
      await notifier.outcome(familyId, subject, label, { ok: true });
    } catch (err) {
      outcome = 'failed';
      message = err instanceof Error ? err.message : String(err);
      await notifier.outcome(familyId, subject, label, { ok: false, kind: 'failure', message });
    }
    await recordDelivery(familyId, d.destination, outcome, message);
    return { outcome, message };
  }

  /** After a sync: each enabled destination delivers here, or goes on the queue (PostgreSQL mode). */
  async function deliver(familyId: string, lockOwner: string): Promise<string[]> {
    const notes: string[] = [];
    for (const d of await store.listDestinations(familyId)) {
      if (!d.enabled) continue;
      if (deps.dispatchDelivery) {
        const queued = await deps.dispatchDelivery(familyId, d.destination);
        notes.push(`${d.destination}: ${queued ? 'queued' : 'already queued'}`);
      } else notes.push(`${d.destination}: ${(await deliverOne(familyId, d, lockOwner)).message}`);
    }
    return notes;
  }

  async function runLocked(
    familyId: string,
    decision: Decision & { action: 'run' },
    lockOwner: string,
  ): Promise<FamilyTick> {
    const startedAt = now().toISOString();
    const all = await targets(familyId);
    const backoff = await store.backoffOf(familyId);
    const waiting = new Set(
      backoff.filter((b) => new Date(b.next_attempt_at) > now()).map((b) => b.connection_id),
    );
    const chosen = all.filter(
      (t) =>
        t.status !== 'needs_attention' &&
        t.status !== 'pending' &&
        (decision.kind === 'retry'
          ? decision.connectionIds.includes(t.connectionId)
          : !waiting.has(t.connectionId)),
    );
    if (decision.kind === 'slot') await setOutcome(familyId, 'running', decision.reason, startedAt);
    if (chosen.length === 0) {
      const why =
        all.length === 0 ? 'no linked accounts' : 'every connection needs attention or waits for a retry';
      await setOutcome(familyId, 'skipped', why);
      return { familyId, decision, ran: 'nothing-to-sync' };
    }
    let result: ScheduledSyncResult;
    try {
      result = await deps.runSync(familyId, {
        accountIds: chosen.map((t) => t.accountId),
        trigger: 'schedule',
        lockHeldBy: lockOwner,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result = { outcome: 'failed', accounts: [], error: message };
    }
    if (
      result.outcome === 'failed' &&
      result.accounts.every((a) => a.outcome !== 'needs_attention' && a.outcome !== 'failed')
    ) {
      // the whole run failed before any account (credentials, Sophtron down): retry the family later
      const message = result.error ?? 'sync failed';
      await recordFailure(store, familyId, FAMILY_WIDE, message, settings.backoff, now());
      await notifier.outcome(familyId, 'sync', 'Scheduled sync', { ok: false, kind: 'failure', message });
      await setOutcome(familyId, 'failed', message);
      return { familyId, decision, ran: 'failed', result };
    }
    await store.clearBackoff(familyId, FAMILY_WIDE);
    await notifier.outcome(familyId, 'sync', 'Scheduled sync', { ok: true });
    await notifier.outcome(familyId, 'budget', 'Scheduled syncs', { ok: true }, BUDGET_TITLES);
    await recordConnections(familyId, chosen, result);
    const synced = result.accounts.filter((a) => a.outcome === 'succeeded');
    // an account whose bank asks for MFA still synced what Sophtron had: deliver that too
    const wrote = result.accounts.some((a) => a.outcome === 'succeeded' || a.outcome === 'needs_attention');
    const notes = wrote ? await deliver(familyId, lockOwner) : [];
    const newCount = synced.reduce((s, a) => s + (a.newCount ?? 0), 0);
    const summary = `${synced.length}/${result.accounts.length} accounts synced, ${newCount} new transactions${notes.length ? `; ${notes.join('; ')}` : ''}`;
    await setOutcome(familyId, result.outcome, summary);
    if (result.outcome === 'succeeded') await notifier.success(familyId, 'sync', 'Sync finished', summary);
    return { familyId, decision, ran: 'ran', result };
  }

  /**
   * The family's last scheduled run started and never finished: its process died (we hold the
   * lock). 'unsynced' when its sync did not finish either; else the outcome of the sync it finished
   * (the process died after it, in the bookkeeping: deliveries, notifications).
   */
  async function leftBehind(familyId: string): Promise<null | 'unsynced' | { outcome: string }> {
    const row = await store.getScheduleRow(familyId);
    if (row?.last_outcome !== 'running' || !row.last_run_at) return null;
    const outcome = await store.scheduledRunOutcomeSince(familyId, row.last_run_at);
    return outcome && outcome !== 'running' && outcome !== 'interrupted' ? { outcome } : 'unsynced';
  }

  /** Runs `work` holding the family's sync lock (renewed while it runs); 'locked' when another holds it. */
  async function underFamilyLock<T>(
    familyId: string,
    work: (lockOwner: string) => Promise<T>,
  ): Promise<T | 'locked'> {
    const name = familySyncLock(familyId);
    // its own owner id: a second job of this process for the family must not count as the holder
    const lockOwner = `${owner}:${++holds}`;
    const got = await acquireOrTakeOver(db, name, lockOwner, settings.lockTtlMs, now());
    if (got === false) return 'locked';
    if (got !== true) {
      deps.log?.warn(
        { familyId, previous: got.owner },
        `took over the sync lock of a process that is gone (${holderText(got.owner)})`,
      );
    }
    held.set(name, lockOwner);
    const heartbeat = setInterval(
      () => {
        renewLock(db, name, lockOwner, settings.lockTtlMs, now())
          .then((ok) => {
            if (!ok) deps.log?.error({ familyId }, 'scheduler lost its lock during a sync');
          })
          .catch(() => undefined);
      },
      Math.max(1000, Math.floor(settings.lockTtlMs / 3)),
    );
    heartbeat.unref();
    try {
      return await work(lockOwner);
    } finally {
      clearInterval(heartbeat);
      await releaseLock(db, name, lockOwner);
      held.delete(name);
    }
  }

  async function runFamily(
    familyId: string,
    first: Decision,
    options: { resume?: boolean } = {},
  ): Promise<FamilyTick> {
    const tick = await underFamilyLock(familyId, async (lockOwner): Promise<FamilyTick> => {
      // another process may have run it between our decision and our lock: decide again
      let decision = await decideFor(familyId);
      // A queued job taken over from a worker that died mid-run: its slot counts as started, so
      // deciding again says "not due"; the run is finished here instead.
      const left = decision.action !== 'run' && options.resume ? await leftBehind(familyId) : null;
      if (left === 'unsynced')
        decision = {
          action: 'run',
          kind: 'slot',
          due: now(),
          reason: 'finishing a scheduled sync whose worker stopped',
        };
      else if (left) {
        // its sync finished: not run twice; what followed it (the deliveries) is done now
        const notes = left.outcome === 'failed' ? [] : await deliver(familyId, lockOwner);
        const finished = ['finished after its worker stopped', ...notes].join('; ');
        await setOutcome(familyId, left.outcome, finished);
        return { familyId, decision, ran: 'ran' };
      }
      if (decision.action !== 'run') return { familyId, decision, ran: 'no-longer-due' };
      deps.log?.info({ familyId, kind: decision.kind, reason: decision.reason }, 'scheduled sync starting');
      const ran = await runLocked(familyId, decision, lockOwner);
      deps.log?.info({ familyId, ran: ran.ran, outcome: ran.result?.outcome }, 'scheduled sync done');
      return ran;
    });
    return tick === 'locked' ? { familyId, decision: first, ran: 'locked' } : tick;
  }

  return {
    owner,
    decideFor,
    async tick() {
      if (now().getTime() - lastCleanup >= CLEANUP_EVERY_MS) {
        lastCleanup = now().getTime();
        const r = await store.cleanupIncidents(now());
        if (r.deleted || r.closed) deps.log?.info(r, 'old and orphaned incidents cleaned up');
      }
      const out: FamilyTick[] = [];
      for (const familyId of await store.enabledScheduleFamilies()) {
        try {
          const decision = await decideFor(familyId);
          if (decision.action !== 'run') {
            if (decision.budgetExhausted) {
              // one message when the month's budget runs out (not one per tick), one when syncs resume
              await notifier.outcome(
                familyId,
                'budget',
                'Scheduled syncs',
                {
                  ok: false,
                  kind: 'failure',
                  message: `${decision.reason} (${decision.until?.toISOString() ?? ''})`,
                },
                BUDGET_TITLES,
              );
            }
            out.push({ familyId, decision });
            continue;
          }
          if (deps.dispatch) {
            const queued = await deps.dispatch(familyId, decision.due);
            out.push({ familyId, decision, ran: queued ? 'queued' : 'already-queued' });
            continue;
          }
          out.push(await runFamily(familyId, decision));
        } catch (err) {
          deps.log?.error(
            { familyId, error: err instanceof Error ? err.message : String(err) },
            'scheduler tick failed for a family',
          );
          out.push({ familyId, decision: { action: 'wait', until: null, reason: 'error' }, ran: 'failed' });
        }
      }
      return out;
    },
    async runQueued(familyId) {
      // Decided under the family's lock (runFamily), where a run interrupted by a dead worker shows.
      return runFamily(familyId, await decideFor(familyId), { resume: true });
    },
    async deliverQueued(familyId, destination) {
      const ran = await underFamilyLock(familyId, async (lockOwner): Promise<DeliveryTick> => {
        const d = (await store.listDestinations(familyId)).find((x) => x.destination === destination);
        // switched off (or removed) since the sync queued it
        if (!d?.enabled) return { familyId, destination, ran: 'off' };
        return { familyId, destination, ran: 'ran', ...(await deliverOne(familyId, d, lockOwner)) };
      });
      return ran === 'locked' ? { familyId, destination, ran: 'locked' } : ran;
    },
    async gaveUp(familyId, work, attempts, reason) {
      const error = `${gaveUpLabel(work)} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`;
      const run = await store.createRun(familyId, 'schedule');
      await store.finishRun(familyId, run.id, { outcome: 'failed', error, sophtronCalls: 0 });
      if (work === 'sync') {
        // the due time counts as served: the schedule moves on to its next slot
        await setOutcome(familyId, 'failed', error, now().toISOString());
        await notifier.outcome(familyId, 'sync', 'Scheduled sync', {
          ok: false,
          kind: 'failure',
          message: error,
        });
      } else if (work !== 'notify') await recordDelivery(familyId, work.destination, 'failed', error);
    },
    async close() {
      for (const [name, lockOwner] of held) await releaseLock(db, name, lockOwner);
      held.clear();
    },
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

import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createApp } from '../app/app.js';
import { loadConfig } from '../config.js';
import { openStore, type Store } from '../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import type { OpenedDatabase } from '../store/database.js';
import type { AccountSyncOutcome } from '../store/schema.js';
import {
  seedAccount,
  seedConnection,
  seedFamily,
  seedSyncRun,
  seedTransaction,
} from '../../test/fakes/ledger-seed.js';
import { channelsRepository } from './notifications/channels.js';
import { createScheduler } from './scheduler.js';
import { scheduleStatus, setDestination, setSchedule, ScheduleError } from './schedules.js';
import type { SchedulerSettings } from './settings.js';
import type { RunSync } from './types.js';

const MIN = 60_000;
const settings: SchedulerSettings = {
  instanceBudget: 10_000,
  callsPerAccount: 8,
  defaultCron: '17 5 * * *',
  minGapMs: 60 * MIN,
  backoff: { baseMs: 15 * MIN, maxMs: 24 * 60 * MIN },
  lockTtlMs: 5 * MIN,
  tickMs: 1000,
};
const secretKey = randomBytes(32).toString('base64');

class Clock {
  constructor(public t: Date) {}
  now = () => new Date(this.t);
  set(iso: string) {
    this.t = new Date(iso);
  }
  advance(ms: number) {
    this.t = new Date(this.t.getTime() + ms);
  }
}

let dir: string;
let database: TestDatabase;
let opened: Store;
const openTestStore = () => openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey });
let familyId: string;
let bank1: string;
let bank2: string;
let acct1: string;
let acct2: string;
let hooks: { event: string; title: string; subject: string }[];
let http: Server;

/** A stand-in for the sync engine: records calls, answers per account from `script`, writes a run row. */
function fakeSync(
  db: OpenedDatabase['db'],
  clock: Clock,
  script: Map<string, AccountSyncOutcome> = new Map(),
  callsPerAccount = 5,
) {
  const calls: { accountIds: string[]; at: string }[] = [];
  let gate: Promise<void> | null = null;
  const run: RunSync = async (fid, { accountIds }) => {
    calls.push({ accountIds: [...accountIds].sort(), at: clock.now().toISOString() });
    if (gate) await gate;
    const used = callsPerAccount * accountIds.length;
    await seedSyncRun(db, fid, clock.now().toISOString(), used);
    await db
      .insertInto('sophtron_usage')
      .values({ family_id: fid, month: clock.now().toISOString().slice(0, 7), endpoint: 'all', calls: used })
      .onConflict((oc) =>
        oc
          .columns(['family_id', 'month', 'endpoint'])
          .doUpdateSet((eb) => ({ calls: eb('sophtron_usage.calls', '+', used) })),
      )
      .execute();
    const accounts = accountIds.map((accountId) => {
      const outcome = script.get(accountId) ?? 'succeeded';
      return {
        accountId,
        outcome,
        error:
          outcome === 'failed'
            ? 'Sophtron answered HTTP 429 (rate limited)'
            : outcome === 'needs_attention'
              ? 'security code required'
              : null,
        newCount: outcome === 'succeeded' ? 1 : 0,
      };
    });
    const ok = accounts.filter((a) => a.outcome === 'succeeded').length;
    return {
      outcome: ok === accounts.length ? 'succeeded' : ok > 0 ? 'partial' : 'failed',
      accounts,
      sophtronCalls: used,
    };
  };
  return {
    run,
    calls,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

beforeEach(async () => {
  database = await createTestDatabase();
  dir = database.dataDir;
  opened = await openTestStore();
  const db = opened.db;
  familyId = await seedFamily(db, 'Smiths');
  bank1 = await seedConnection(db, familyId, { institutionName: 'First Bank' });
  bank2 = await seedConnection(db, familyId, { institutionName: 'Second Bank' });
  acct1 = await seedAccount(db, familyId, bank1, { name: 'Checking' });
  acct2 = await seedAccount(db, familyId, bank2, { name: 'Savings' });
  hooks = [];
  http = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  await channelsRepository(opened).addChannel(familyId, {
    name: 'hook',
    config: { kind: 'webhook', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook` },
  });
});

afterEach(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await opened.close();
  await database.dispose();
});

describe('scheduler', () => {
  it('fires at the slot, once; missed slots collapse into one run', async () => {
    const clock = new Clock(new Date('2026-03-10T04:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    const sync = fakeSync(opened.db, clock);
    const s = createScheduler({ store: opened, settings, runSync: sync.run, now: clock.now });

    await s.tick();
    expect(sync.calls).toHaveLength(0);
    clock.set('2026-03-10T05:17:00Z');
    const [t] = await s.tick();
    expect(t!.ran).toBe('ran');
    expect(sync.calls).toHaveLength(1);
    expect(sync.calls[0]!.accountIds).toEqual([acct1, acct2].sort());
    clock.advance(MIN);
    await s.tick();
    expect(sync.calls).toHaveLength(1);

    // the server was down for three days: one run at start, not three
    clock.set('2026-03-13T12:00:00Z');
    const fresh = createScheduler({ store: opened, settings, runSync: sync.run, now: clock.now });
    await fresh.tick();
    await fresh.tick();
    clock.advance(30 * MIN);
    await fresh.tick();
    expect(sync.calls.map((c) => c.at)).toEqual(['2026-03-10T05:17:00.000Z', '2026-03-13T12:00:00.000Z']);
    expect(await fresh.decideFor(familyId)).toMatchObject({
      action: 'wait',
      until: new Date('2026-03-14T05:17:00Z'),
    });
  });

  it('does not run at start-up when the family synced recently', async () => {
    const clock = new Clock(new Date('2026-03-09T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    await seedSyncRun(opened.db, familyId, '2026-03-10T05:40:00.000Z', 10, 'cli');
    clock.set('2026-03-10T06:00:00Z'); // the 05:17 slot is due, but a manual sync ran 20 minutes ago
    const sync = fakeSync(opened.db, clock);
    const s = createScheduler({ store: opened, settings, runSync: sync.run, now: clock.now });
    const [t] = await s.tick();
    expect(t!.decision).toMatchObject({ action: 'wait', reason: 'the family synced recently' });
    expect(sync.calls).toHaveLength(0);
    clock.set('2026-03-10T06:41:00Z');
    await s.tick();
    expect(sync.calls).toHaveLength(1);
  });

  it('two schedulers on one database: only one runs a family’s sync', async () => {
    const clock = new Clock(new Date('2026-03-10T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    const other = await openTestStore();
    try {
      clock.set('2026-03-10T05:18:00Z');
      const syncA = fakeSync(opened.db, clock);
      const syncB = fakeSync(other.db, clock);
      const releaseA = syncA.hold();
      const releaseB = syncB.hold();
      const a = createScheduler({
        store: opened,
        settings,
        runSync: syncA.run,
        now: clock.now,
        owner: 'A',
      });
      const b = createScheduler({
        store: other,
        settings,
        runSync: syncB.run,
        now: clock.now,
        owner: 'B',
      });
      let settled = 0;
      const ta = a.tick().finally(() => settled++);
      const tb = b.tick().finally(() => settled++);
      // the loser has met the lock and given up while the winner's sync is held: then let it finish
      await vi.waitFor(() => {
        expect(settled).toBe(1);
        expect(syncA.calls.length + syncB.calls.length).toBe(1);
      });
      const lock = await opened.db.selectFrom('scheduler_locks').selectAll().execute();
      expect(lock).toHaveLength(1);
      releaseA();
      releaseB();
      const [ra, rb] = await Promise.all([ta, tb]);
      expect(syncA.calls.length + syncB.calls.length).toBe(1);
      const ticks = [ra[0]!, rb[0]!];
      expect(ticks.filter((t) => t.ran === 'ran')).toHaveLength(1);
      // The other met the lock, or decided after the winner had recorded its start: nothing due.
      const loser = ticks.find((t) => t.ran !== 'ran')!;
      expect(loser.ran ?? loser.decision.action).toMatch(/^(locked|no-longer-due|wait)$/);
      // and the loser does not run it afterwards either
      await a.tick();
      await b.tick();
      expect(syncA.calls.length + syncB.calls.length).toBe(1);
      expect(await opened.db.selectFrom('scheduler_locks').selectAll().execute()).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('takes over a lock whose holder died (expired), never a live one', async () => {
    const t0 = new Date('2026-03-10T00:00:00Z');
    expect(await opened.acquireLock('x', 'dead', 60_000, t0)).toBe(true);
    expect(await opened.acquireLock('x', 'other', 60_000, new Date(t0.getTime() + 59_000))).toBe(false);
    expect(await opened.acquireLock('x', 'other', 60_000, new Date(t0.getTime() + 60_000))).toBe(true);
    expect((await opened.db.selectFrom('scheduler_locks').select('owner').executeTakeFirst())?.owner).toBe(
      'other',
    );
  });

  it('backs off a failing connection with growing delays, one message per incident, then recovery', async () => {
    const clock = new Clock(new Date('2026-03-10T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    const script = new Map<string, AccountSyncOutcome>([[acct2, 'failed']]);
    const sync = fakeSync(opened.db, clock, script);
    const s = createScheduler({ store: opened, settings, runSync: sync.run, now: clock.now });
    clock.set('2026-03-10T05:17:00Z');
    await s.tick();
    expect(sync.calls).toHaveLength(1);
    let b = await opened.db.selectFrom('scheduler_backoff').selectAll().execute();
    expect(b).toMatchObject([
      { connection_id: bank2, failures: 1, next_attempt_at: '2026-03-10T05:32:00.000Z' },
    ]);

    clock.set('2026-03-10T05:30:00Z');
    await s.tick();
    expect(sync.calls).toHaveLength(1);
    clock.set('2026-03-10T05:32:00Z');
    await s.tick();
    expect(sync.calls[1]!.accountIds).toEqual([acct2]); // only the failed connection is retried
    b = await opened.db.selectFrom('scheduler_backoff').selectAll().execute();
    expect(b).toMatchObject([{ failures: 2, next_attempt_at: '2026-03-10T06:02:00.000Z' }]);
    const shown = await scheduleStatus(opened, familyId, settings, clock.now());
    expect(shown.backoff).toMatchObject([
      { label: 'Second Bank', failures: 2, lastError: 'Sophtron answered HTTP 429 (rate limited)' },
    ]);
    clock.set('2026-03-10T06:02:00Z');
    await s.tick();
    expect(b.length).toBe(1);
    expect(
      (await opened.db.selectFrom('scheduler_backoff').selectAll().executeTakeFirst())?.next_attempt_at,
    ).toBe('2026-03-10T07:02:00.000Z');

    script.delete(acct2);
    clock.set('2026-03-10T07:02:00Z');
    await s.tick();
    expect(sync.calls).toHaveLength(4);
    expect(await opened.db.selectFrom('scheduler_backoff').selectAll().execute()).toHaveLength(0);
    expect(hooks.map((h) => [h.event, h.subject, h.title])).toEqual([
      ['failure', `connection:${bank2}`, 'Second Bank failed'],
      ['recovery', `connection:${bank2}`, 'Second Bank works again'],
    ]);
  });

  it('does not retry a connection that needs attention until someone clears it', async () => {
    const clock = new Clock(new Date('2026-03-10T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    const script = new Map<string, AccountSyncOutcome>([[acct1, 'needs_attention']]);
    const sync = fakeSync(opened.db, clock, script);
    const run: RunSync = async (fid, o) => {
      const r = await sync.run(fid, o);
      // what the sync engine does: mark the connection
      if (o.accountIds.includes(acct1) && script.get(acct1) === 'needs_attention') {
        await opened.db
          .updateTable('connections')
          .set({ status: 'needs_attention' })
          .where('id', '=', bank1)
          .execute();
      }
      return r;
    };
    const s = createScheduler({ store: opened, settings, runSync: run, now: clock.now });
    clock.set('2026-03-10T05:17:00Z');
    await s.tick();
    for (const at of ['2026-03-10T06:00:00Z', '2026-03-11T05:17:00Z', '2026-03-12T05:17:00Z']) {
      clock.set(at);
      await s.tick();
    }
    expect(sync.calls.map((c) => c.accountIds)).toEqual([[acct1, acct2].sort(), [acct2], [acct2]]);
    // a person reconnects: the status is cleared, the next slot includes it, and it recovers
    script.delete(acct1);
    await opened.db.updateTable('connections').set({ status: 'connected' }).where('id', '=', bank1).execute();
    clock.set('2026-03-13T05:17:00Z');
    await s.tick();
    expect(sync.calls[3]!.accountIds).toEqual([acct1, acct2].sort());
    expect(hooks.map((h) => [h.event, h.title])).toEqual([
      ['needs_attention', 'First Bank needs your attention'],
      ['recovery', 'First Bank works again'],
    ]);
  });

  it('retries a whole failed run with backoff and reports it once', async () => {
    const clock = new Clock(new Date('2026-03-10T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    let attempts = 0;
    const run: RunSync = async () => {
      attempts++;
      if (attempts <= 2) throw new Error('Sophtron answered HTTP 503');
      return {
        outcome: 'succeeded',
        accounts: [
          { accountId: acct1, outcome: 'succeeded' },
          { accountId: acct2, outcome: 'succeeded' },
        ],
      };
    };
    const s = createScheduler({ store: opened, settings, runSync: run, now: clock.now });
    clock.set('2026-03-10T05:17:00Z');
    await s.tick();
    clock.set('2026-03-10T05:31:00Z');
    await s.tick();
    expect(attempts).toBe(1);
    clock.set('2026-03-10T05:32:00Z');
    await s.tick();
    expect(attempts).toBe(2);
    clock.set('2026-03-10T06:02:00Z');
    await s.tick();
    expect(attempts).toBe(3);
    expect(hooks.map((h) => [h.event, h.subject])).toEqual([
      ['failure', 'sync'],
      ['recovery', 'sync'],
    ]);
  });

  it('refuses a schedule over the budget with the numbers, and slows down near the end of the month', async () => {
    const now = new Date('2026-03-20T00:00:00Z');
    for (let i = 0; i < 3; i++)
      await seedSyncRun(opened.db, familyId, `2026-03-0${i + 1}T05:00:00.000Z`, 120, 'cli');
    const err = await setSchedule(opened, familyId, { cron: '0 * * * *' }, settings, now).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScheduleError);
    expect((err as Error).message).toBe(
      'This schedule needs about 87,720 Sophtron calls a month (120 calls per sync, from recent runs, × 731 runs): over the monthly budget (SOPHTRON_MONTHLY_BUDGET) of 10,000. Choose fewer runs, or raise the budget.',
    );
    const { check } = await setSchedule(opened, familyId, { cron: '0 5 * * *' }, settings, now);
    expect(check?.ok).toBe(true);
    expect(check?.message).toMatch(/about 3,600 Sophtron calls a month/);

    // 9,500 calls used already: 500 left = 4 runs for the 12 days left → about every 3 days
    await opened.db
      .insertInto('sophtron_usage')
      .values({ family_id: familyId, month: '2026-03', endpoint: 'GetTransactions', calls: 9500 })
      .execute();
    const status = await scheduleStatus(opened, familyId, settings, now);
    expect(status.pace).toMatchObject({ kind: 'spaced', affordableRuns: 4 });
    expect(status.budget).toMatchObject({ scope: 'instance', used: 9500, remaining: 500 });

    const clock = new Clock(new Date('2026-03-20T05:00:00Z'));
    const sync = fakeSync(opened.db, clock, new Map(), 60);
    const s = createScheduler({
      store: opened,
      settings: { ...settings, minGapMs: 0 },
      runSync: sync.run,
      now: clock.now,
    });
    for (let day = 20; day <= 31; day++) {
      clock.set(`2026-03-${day}T05:00:00Z`);
      await s.tick();
    }
    const days = sync.calls.map((c) => c.at.slice(8, 10));
    // spread over the rest of the month instead of daily until the budget breaks
    expect(days).toEqual(['20', '23', '26', '29']);
    const used = await opened.db
      .selectFrom('sophtron_usage')
      .select((eb) => eb.fn.sum<number>('calls').as('n'))
      .executeTakeFirst();
    expect(Number(used?.n)).toBeLessThanOrEqual(10_000);
  });

  it('cleans up incidents: old resolved ones go, open ones of a gone subject close silently', async () => {
    const now = new Date('2026-06-30T00:00:00Z');
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
    await setDestination(opened, familyId, 'files', { enabled: true, options: { folder: dir } }, now);
    const seed = (id: string, subject: string, resolvedAt: string | null) =>
      opened.db
        .insertInto('incidents')
        .values({
          id,
          family_id: familyId,
          subject,
          kind: 'failure',
          message: 'x',
          occurrences: 1,
          opened_at: daysAgo(120),
          last_seen_at: daysAgo(120),
          resolved_at: resolvedAt,
        })
        .execute();
    await seed('old', `connection:${bank1}`, daysAgo(91));
    await seed('recent', `connection:${bank1}`, daysAgo(10));
    await seed('live-conn', `connection:${bank2}`, null);
    await seed('gone-conn', 'connection:deleted-one', null);
    await seed('live-files', 'delivery:files', null);
    await seed('gone-firefly', 'delivery:firefly', null);
    await seed('sync', 'sync', null);
    await channelsRepository(opened).addChannel(familyId, {
      name: 'hook',
      config: { kind: 'webhook', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/` },
    });
    const s = createScheduler({
      store: opened,
      settings,
      runSync: fakeSync(opened.db, new Clock(now)).run,
      now: () => now,
    });
    await s.tick();
    const rows = await opened.db
      .selectFrom('incidents')
      .select(['id', 'resolved_at'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { id: 'gone-conn', resolved_at: now.toISOString() },
      { id: 'gone-firefly', resolved_at: now.toISOString() },
      { id: 'live-conn', resolved_at: null },
      { id: 'live-files', resolved_at: null },
      { id: 'recent', resolved_at: daysAgo(10) },
      { id: 'sync', resolved_at: null },
    ]);
    expect(hooks).toEqual([]);
  });

  it('counts a family with its own budget against the instance budget too (a cap inside it)', async () => {
    const now = new Date('2026-03-10T00:00:00Z');
    const small = { ...settings, instanceBudget: 5_000 };
    const jones = await seedFamily(opened.db, 'Joneses');
    await seedAccount(opened.db, jones, await seedConnection(opened.db, jones));
    // every 2 hours × 8 calls = 2,920 a month: fits its own 3,000 and the instance's 5,000
    const own = await setSchedule(opened, jones, { cron: '0 */2 * * *', monthlyBudget: 3_000 }, small, now);
    expect(own.check?.message).toBe(
      "This schedule needs about 2,920 Sophtron calls a month (8 calls per sync, from per account default, × 365 runs), within the family's monthly budget of 3,000, and within the instance's monthly budget (SOPHTRON_MONTHLY_BUDGET) of 5,000.",
    );
    // the Smiths share the instance budget: the Joneses' 2,920 leave them 2,080
    await expect(setSchedule(opened, familyId, { cron: '0 */4 * * *' }, small, now)).rejects.toThrow(
      "This schedule needs about 2,928 Sophtron calls a month (16 calls per sync, from per account default, × 183 runs); other families' schedules need 2,920: over the monthly budget (SOPHTRON_MONTHLY_BUDGET) of 5,000.",
    );
    await setSchedule(opened, familyId, { cron: '0 5 * * *' }, small, now);
    // a family budget cannot spend what the instance no longer has
    await opened.db
      .insertInto('sophtron_usage')
      .values({ family_id: familyId, month: '2026-03', endpoint: 'GetTransactions', calls: 4_000 })
      .execute();
    const status = await scheduleStatus(opened, jones, small, now);
    // 1,000 left in the instance, split 2,920 : 480 → 858 for the Joneses, not their 3,000
    expect(status.budget).toMatchObject({ scope: 'family', budget: 3_000, used: 0, remaining: 858 });
    await expect(
      setSchedule(opened, jones, { monthlyBudget: 3_000, cron: '0 * * * *' }, small, now),
    ).rejects.toThrow(/over the family's monthly budget of 3,000/);
  });

  it('pauses when the month’s budget is used up, says so once, and resumes next month', async () => {
    const clock = new Clock(new Date('2026-03-20T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    await opened.db
      .insertInto('sophtron_usage')
      .values({ family_id: familyId, month: '2026-03', endpoint: 'GetTransactions', calls: 9_990 })
      .execute();
    const sync = fakeSync(opened.db, clock);
    const s = createScheduler({ store: opened, settings, runSync: sync.run, now: clock.now });
    for (const at of ['2026-03-20T05:17:00Z', '2026-03-20T06:00:00Z', '2026-03-25T05:17:00Z']) {
      clock.set(at);
      const [t] = await s.tick();
      expect(t!.decision).toMatchObject({
        action: 'wait',
        budgetExhausted: true,
        until: new Date('2026-04-01T00:00:00Z'),
      });
    }
    expect(sync.calls).toHaveLength(0);
    clock.set('2026-04-01T00:00:30Z'); // a new month: the missed slots run once
    await s.tick();
    expect(sync.calls).toHaveLength(1);
    expect(hooks.map((h) => [h.event, h.title])).toEqual([
      ['failure', "Scheduled syncs paused: this month's Sophtron budget is used up"],
      ['recovery', 'Scheduled syncs resumed'],
    ]);
  });

  it('delivers new transactions to a folder after a scheduled sync', async () => {
    const clock = new Clock(new Date('2026-03-10T00:00:00Z'));
    await setSchedule(opened, familyId, { cron: '17 5 * * *' }, settings, clock.now());
    const out = join(dir, 'exports');
    await setDestination(opened, familyId, 'files', {
      enabled: true,
      options: { folder: out, formats: ['csv', 'ofx'] },
    });
    await expect(
      setDestination(opened, familyId, 'files', { enabled: true, options: { formats: ['xls'] } }),
    ).rejects.toThrow(/^files folder:/);
    await seedTransaction(opened.db, acct1, { amountMinor: -500, date: '2026-03-09', description: 'Lunch' });
    const sync = fakeSync(opened.db, clock);
    // The real delivery: the app's, over a store on the same database.
    const store = await openStore({
      dataDir: dir,
      databaseUrl: database.url,
      secretKey,
    });
    onTestFinished(() => store.close());
    const app = createApp(store, loadConfig({ DATA_DIR: dir }));
    const s = createScheduler({
      store: opened,
      settings,
      runSync: sync.run,
      runDelivery: app.runDelivery,
      now: clock.now,
    });
    clock.set('2026-03-10T05:17:00Z');
    await s.tick();
    expect(readdirSync(out).sort()).toHaveLength(2);
    clock.set('2026-03-11T05:17:00Z');
    await s.tick();
    expect(readdirSync(out)).toHaveLength(2); // nothing new, no new file
    const [dest] = (await scheduleStatus(opened, familyId, settings, clock.now())).destinations;
    expect(dest).toMatchObject({
      destination: 'files',
      lastOutcome: 'succeeded',
      lastMessage: 'nothing new',
    });
  });
});

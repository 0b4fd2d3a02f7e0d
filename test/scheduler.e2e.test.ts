/**
 * The scheduler with the real sync engine: the sandbox over HTTP, the real Sophtron client (its
 * calls counted in sophtron_usage), a real SQLite ledger, a controllable clock. A due slot runs one
 * sync with trigger "schedule", the folder destination gets the new transactions, and the next
 * projection is estimated from the run's real call count.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { createScheduler } from '../src/scheduler/scheduler.js';
import { scheduleStatus, setDestination, setSchedule } from '../src/scheduler/schedules.js';
import { schedulerDepsFor } from '../src/scheduler/wiring.js';
import { startFakeFirefly } from './fakes/firefly.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';
import { setNightlyFirefly } from './helpers/nightly-firefly.js';

const BASE_TIME = new Date('2026-06-15T15:00:00Z');
const config = loadConfig({ SYNC_START_DAYS: '30', LOG_LEVEL: 'silent', SOPHTRON_RETRY_BUDGET_MS: '0' });
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };
let sandbox: RunningSandbox;
let store: Store;
let dir: string;
let familyId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, pollsPerStep: 1, bigAccount: false, now: () => BASE_TIME });
  dir = mkdtempSync(join(tmpdir(), 'ss-scheduler-e2e-'));
  store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 3).toString('base64') });
  familyId = (await store.createFamily({ name: 'Scheduled', timeZone: 'UTC' })).id;
  const user = sandbox.users[0]!;
  await store.saveCredentials(familyId, {
    userId: user.userId,
    accessKey: user.accessKey,
    baseUrl: sandbox.baseUrl,
  });
  const { outcome, providerAccounts } = await connectSandboxBank(store, familyId, sandboxClient(sandbox), {
    jobOptions: fastJobs,
  });
  expect(outcome.outcome).toBe('connected');
  for (const pa of providerAccounts) await store.linkAccount(familyId, pa.id);
});

afterAll(async () => {
  await store.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scheduled sync against the sandbox', () => {
  it('runs the due slot once, counts the calls, delivers files, and projects from the real run', async () => {
    // the scheduler's clock is in today's month: the client counts calls in the real month
    const today = new Date().toISOString().slice(0, 10);
    let now = new Date(`${today}T04:00:00Z`);
    const deps = schedulerDepsFor(store, config, {
      syncDeps: { jobOptions: fastJobs, clock: () => BASE_TIME },
    });
    await setSchedule(store, familyId, { cron: '17 5 * * *' }, deps.settings, now);
    const out = join(dir, 'exports');
    await setDestination(store, familyId, 'files', {
      enabled: true,
      options: { folder: out, formats: ['csv'] },
    });
    const scheduler = createScheduler({ ...deps, now: () => now });

    now = new Date(`${today}T05:17:30Z`);
    const [tick] = await scheduler.tick();
    expect(tick!.ran, JSON.stringify(tick)).toBe('ran');
    expect(tick!.result!.outcome).toBe('succeeded');
    const runs = await store.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('family_id', '=', familyId)
      .execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger).toBe('schedule');
    const used = await store.db
      .selectFrom('sophtron_usage')
      .select(['endpoint', 'calls'])
      .where('family_id', '=', familyId)
      .execute();
    const total = used.reduce((s, u) => s + u.calls, 0);
    expect(total).toBeGreaterThan(0);
    expect(runs[0]!.sophtron_calls).toBeGreaterThan(0);

    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const rows = parse(readFileSync(join(out, files[0]!), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    const ledgerCount = await store.db
      .selectFrom('transactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '!=', 'vanished')
      .executeTakeFirst();
    expect(rows.length).toBe(Number(ledgerCount?.n));
    expect(rows.length).toBeGreaterThan(0);

    now = new Date(`${today}T05:30:00Z`);
    const [again] = await scheduler.tick();
    expect(again!.decision.action).toBe('wait');
    const status = await scheduleStatus(store, familyId, deps.settings, now);
    expect(status.projection.basis).toBe('recent runs');
    expect(status.projection.callsPerSync).toBe(runs[0]!.sophtron_calls);
    expect(status.familyUsed).toBe(total);
    expect(status.schedule.lastOutcome).toBe('succeeded');
  });

  it('delivers to Firefly III after the next scheduled sync, and reports a failing delivery once', async () => {
    const firefly = await startFakeFirefly();
    try {
      await store.saveFireflySettings(familyId, {
        url: firefly.url,
        token: firefly.token,
      });
      // the import configuration uploaded on the Schedule page: only one account goes to Firefly
      const chosen = await store.db
        .selectFrom('accounts as a')
        .innerJoin('provider_accounts as p', 'p.id', 'a.provider_account_id')
        .select(['a.id', 'p.sophtron_account_id'])
        .where('a.family_id', '=', familyId)
        .orderBy('a.name')
        .executeTakeFirstOrThrow();
      await setNightlyFirefly(store, familyId, [{ sophtronId: chosen.sophtron_account_id, name: 'Nightly' }]);
      const deps = schedulerDepsFor(store, config, {
        syncDeps: { jobOptions: fastJobs, clock: () => BASE_TIME },
      });
      const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      let now = new Date(`${day}T05:17:30Z`);
      const scheduler = createScheduler({ ...deps, now: () => now });
      const [tick] = await scheduler.tick();
      expect(tick!.ran, JSON.stringify(tick)).toBe('ran');
      const posted = async (accountId?: string) => {
        let q = store.db
          .selectFrom('transactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'posted');
        if (accountId) q = q.where('account_id', '=', accountId);
        return Number((await q.executeTakeFirst())?.n);
      };
      expect(firefly.liveGroups().length).toBe(await posted(chosen.id));
      expect(firefly.liveGroups().length).toBeLessThan(await posted());
      expect(firefly.violations).toEqual([]);
      const status = await scheduleStatus(store, familyId, deps.settings, now);
      expect(status.destinations.find((d) => d.destination === 'firefly')).toMatchObject({
        lastOutcome: 'succeeded',
        lastMessage: expect.stringMatching(/^created \d+, updated 0 in Firefly III$/),
      });

      // Firefly goes away: the delivery fails, once reported, and the sync itself still succeeds
      await firefly.stop();
      now = new Date(now.getTime() + 86_400_000);
      const [down] = await scheduler.tick();
      expect(down!.result!.outcome).toBe('succeeded');
      const incidents = await store.db
        .selectFrom('incidents')
        .selectAll()
        .where('subject', '=', 'delivery:firefly')
        .execute();
      expect(incidents).toMatchObject([{ kind: 'failure', resolved_at: null, occurrences: 1 }]);
    } finally {
      await firefly.stop().catch(() => undefined);
    }
  });
});

/**
 * PostgreSQL mode across processes: 2 `serve` processes (their schedulers put due work on the job
 * queues) and 3 `worker` processes (they take it), against the real sandbox and the Firefly III fake
 * over HTTP. Families whose schedules are due in the same minute are each synced exactly once (one
 * job per due time, however many servers decide it), each sync is followed by its Firefly III
 * delivery and its file export (their own queues), a worker killed (SIGKILL) in the middle of a sync
 * loses its job to another after the lease, and the ledger, the Firefly fake and the exported files
 * end with exactly the bank's transactions (nothing doubled, nothing lost).
 *
 * WORKERS_TEST_FAMILIES sets the number of families (default 12, for CI: twice the jobs the 3
 * workers run at once, so each worker takes jobs again after its first ones and the killed one's
 * are taken over; the proof is 200:
 * `WORKERS_TEST_FAMILIES=200 npx vitest run test/workers.pg.test.ts --project postgres`).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { setDestination, setSchedule } from '../src/scheduler/schedules.js';
import { schedulerSettings } from '../src/scheduler/settings.js';
import { openStore, type Store } from '../src/store/index.js';
import { startFakeFirefly, type FakeFirefly } from './fakes/firefly.js';
import { spawnCli } from './helpers/cli-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';
import { setNightlyFirefly } from './helpers/nightly-firefly.js';
import { until } from './helpers/until.js';

const FAMILIES = Number(process.env.WORKERS_TEST_FAMILIES ?? 12);
const WORKERS = 3;
const SERVERS = 2;
/** Jobs of each queue each worker runs at once. */
const CONCURRENCY = 2;
const secretKey = randomBytes(32).toString('base64');
const budget = { SOPHTRON_MONTHLY_BUDGET: '10000000' };
const settings = schedulerSettings(loadConfig({ ...budget, LOG_LEVEL: 'silent' }));

let sandbox: RunningSandbox;
let firefly: FakeFirefly;
let database: TestDatabase;
let store: Store;
interface TestFamily {
  id: string;
  exports: string;
  accounts: { id: string; sophtronId: string }[];
}
const families: TestFamily[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 31, pollsPerStep: 1, bigAccount: false });
  firefly = await startFakeFirefly();
  database = await createTestDatabase('postgres');
  store = await openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey });
  const client = sandboxClient(sandbox);
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  const setUp = async (i: number) => {
    const family = await store.createFamily({ name: `Family ${i}`, timeZone: 'UTC' });
    const { providerAccounts } = await connectSandboxBank(store, family.id, client);
    const accounts = [];
    for (const pa of providerAccounts.slice(0, 2)) {
      const { account } = await store.linkAccount(family.id, pa.id);
      accounts.push({ id: account.id, sophtronId: pa.sophtron_account_id });
    }
    // Off until every process is ready; set two days ago for 05:00 daily: then one missed slot
    // each, all due in the same minute (missed slots run once).
    await setSchedule(store, family.id, { cron: '0 5 * * *', enabled: false }, settings, twoDaysAgo);
    // Both destinations: an import configuration sending both accounts to Firefly III, and files.
    await store.saveFireflySettings(family.id, { url: firefly.url, token: firefly.token });
    await setNightlyFirefly(
      store,
      family.id,
      accounts.map((a, k) => ({ sophtronId: a.sophtronId, name: `Family ${i} ${k}` })),
    );
    const exports = join(database.dataDir, 'exports', family.id);
    await setDestination(store, family.id, 'files', {
      enabled: true,
      options: { folder: exports, formats: ['csv'] },
    });
    families.push({ id: family.id, exports, accounts });
  };
  for (let i = 0; i < FAMILIES; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, FAMILIES - i) }, (_, k) => setUp(i + k)));
  }
  // A real network's pace from here: a sync takes long enough to be caught in the middle.
  sandbox.control.latencyMs = 40;
}, 1_800_000);

afterAll(async () => {
  await store?.close();
  await database?.dispose();
  await firefly?.stop();
  await sandbox?.close();
});

interface Child {
  proc: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  output: () => string;
  ready: Promise<void>;
}

function start(args: string[], readyLine: string): Child {
  const user = sandbox.users[0]!;
  const proc = spawnCli(args, {
    ...database.env,
    SECRET_KEY: secretKey,
    SOPHTRON_USER_ID: user.userId,
    SOPHTRON_ACCESS_KEY: user.accessKey,
    SOPHTRON_BASE_URL: sandbox.baseUrl,
    SOPHTRON_JOB_POLL_MS: '5',
    SCHEDULER_TICK_SECONDS: '1',
    WORKER_LEASE_SECONDS: '20',
    WORKER_POLL_SECONDS: '1',
    WORKER_RETRY_DELAY_SECONDS: '1',
    LOG_LEVEL: 'warn',
    ...budget,
  });
  let out = '';
  let seen: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (seen = resolve));
  const collect = (c: Buffer) => {
    out += c.toString();
    if (out.includes(readyLine)) seen();
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, exited, output: () => out, ready };
}

const startWorker = () => start(['worker', '--concurrency', String(CONCURRENCY)], 'worker taking jobs');
const startServer = () =>
  start(['serve', '--port', '0', '--host', '127.0.0.1'], 'Sophtron Sync is running at');

/**
 * How the waits below ask the database again: every 100 ms, for as long as every family's work may
 * take on a machine busy with other work (24 families once ran out of 4 minutes at load 15; a wait
 * that succeeds costs nothing more for being long).
 */
const POLL = { everyMs: 100, withinMs: 240_000 + FAMILIES * 10_000 };

async function queued(names: string[]): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from pgboss.job
    where name in (${sql.join(names)}) and state in ('created', 'retry', 'active')`.execute(store.db);
  return Number(rows[0]!.n);
}

describe('serve and worker processes on PostgreSQL', () => {
  it(`sync, deliver and export ${FAMILIES} families due in the same minute exactly once each, surviving a worker killed mid-sync`, async () => {
    const workers = Array.from({ length: WORKERS }, () => startWorker());
    const servers = Array.from({ length: SERVERS }, () => startServer());
    const everyone = [...workers, ...servers];
    const victim = workers[0]!;
    try {
      await Promise.race([
        Promise.all(everyone.map((c) => c.ready)),
        ...everyone.map((c) =>
          c.exited.then((code) => {
            throw new Error(`a process stopped before it was ready (${code}): ${c.output()}`);
          }),
        ),
      ]);
      await store.db.updateTable('schedules').set({ enabled: 1 }).execute();

      // Kill the first worker while it holds a family's sync lock (in the middle of that sync).
      const killedFamily = await until(
        'the first worker to be in the middle of a sync',
        async () => {
          const locks = await store.db
            .selectFrom('scheduler_locks')
            .select(['name'])
            .where('owner', 'like', `%:${victim.proc.pid}:%`)
            .execute();
          const ids = locks.map((l) => l.name.replace(/^sync:/, ''));
          if (ids.length === 0) return null;
          const running = await store.db
            .selectFrom('sync_runs')
            .select('family_id')
            .where('outcome', '=', 'running')
            .where('family_id', 'in', ids)
            .executeTakeFirst();
          return running?.family_id;
        },
        POLL,
      );
      victim.proc.kill('SIGKILL');
      expect(await victim.exited).toBeNull();

      // Every family ends synced, delivered and exported, and no job is left on a queue.
      await until(
        'every family to be synced',
        async () => {
          const done = await store.db
            .selectFrom('sync_runs')
            .select((eb) => eb.fn.count<number>('family_id').distinct().as('n'))
            .where('trigger', '=', 'schedule')
            .where('outcome', '=', 'succeeded')
            .executeTakeFirstOrThrow();
          return Number(done.n) === FAMILIES;
        },
        POLL,
      );
      await until(
        'the queues to be empty',
        async () => (await queued(['sync-family', 'deliver-family', 'export-family'])) === 0,
        POLL,
      );
      const destinations = await store.db
        .selectFrom('schedule_destinations')
        .select(['family_id', 'destination', 'last_outcome', 'last_message'])
        .execute();
      expect(destinations).toHaveLength(FAMILIES * 2);
      for (const d of destinations) expect(d.last_outcome, JSON.stringify(d)).toBe('succeeded');

      // Exactly once per due time: one sync job per family (two servers ticking every second decided
      // the same due time), one succeeded scheduled run per family. The killed worker ran up to
      // CONCURRENCY syncs at once, so the family it was seen syncing, and at most one other, also
      // have the run it left behind, marked interrupted; no other run is anything but succeeded.
      const { rows: jobs } = await sql<{ family_id: string; n: string }>`
        select singleton_key as family_id, count(*) as n from (
          select singleton_key from pgboss.job where name = 'sync-family'
          union all select singleton_key from pgboss.archive where name = 'sync-family'
        ) j group by singleton_key`.execute(store.db);
      expect(jobs).toHaveLength(FAMILIES);
      for (const j of jobs) expect(Number(j.n), j.family_id).toBe(1);
      const runs = await store.db
        .selectFrom('sync_runs')
        .select(['family_id', 'outcome'])
        .where('trigger', '=', 'schedule')
        .execute();
      for (const f of families) {
        const mine = runs.filter((r) => r.family_id === f.id);
        expect(
          mine.filter((r) => r.outcome === 'succeeded'),
          f.id,
        ).toHaveLength(1);
        const others = mine.filter((r) => r.outcome !== 'succeeded').map((r) => r.outcome);
        if (f.id === killedFamily) expect(others, f.id).toEqual(['interrupted']);
        else expect(['[]', '["interrupted"]'], f.id).toContain(JSON.stringify(others));
      }
      expect(runs.filter((r) => r.outcome === 'interrupted').length).toBeLessThanOrEqual(CONCURRENCY);

      // The ledger holds exactly the bank's transactions of each linked account, Firefly III exactly
      // the posted ones, each family's files every ledger row: 0 doubled, 0 lost.
      const expectedInFirefly: string[] = [];
      for (const f of families) {
        let exported = 0;
        for (const a of f.accounts) {
          const ledger = await store.db
            .selectFrom('transactions')
            .select(['provider_transaction_id', 'status'])
            .where('account_id', '=', a.id)
            .execute();
          const ids = ledger.map((r) => r.provider_transaction_id).sort();
          const windowFrom = await store.db
            .selectFrom('sync_run_accounts')
            .select('window_from')
            .where('account_id', '=', a.id)
            .orderBy('window_from', 'asc')
            .executeTakeFirstOrThrow();
          const truth = sandbox.control
            .transactions(a.sophtronId)
            .filter((t) => t.date >= windowFrom.window_from!)
            .map((t) => t.transactionId)
            .sort();
          expect(ids, `${f.id} ${a.id}`).toEqual(truth);
          exported += ledger.filter((r) => r.status !== 'vanished').length;
          for (const r of ledger)
            if (r.status === 'posted')
              expectedInFirefly.push(`sophtron:${a.sophtronId}:${r.provider_transaction_id}`);
        }
        const rows = readdirSync(f.exports).flatMap(
          (file) => parse(readFileSync(join(f.exports, file), 'utf8'), { columns: true }) as unknown[],
        );
        expect(rows.length, f.id).toBe(exported);
      }
      const inFirefly = firefly
        .liveGroups()
        .map((g) => g.split.externalId)
        .sort();
      expect(inFirefly).toEqual(expectedInFirefly.sort());
      expect(firefly.violations).toEqual([]);

      // The others stop cleanly.
      for (const c of everyone.slice(1)) c.proc.kill('SIGTERM');
      for (const c of everyone.slice(1)) expect(await c.exited, c.output()).toBe(0);
    } finally {
      for (const c of everyone) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    }
  }, 900_000);
});

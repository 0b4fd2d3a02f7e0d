/**
 * Several `worker` processes on one PostgreSQL ledger, against the real sandbox over HTTP:
 * families whose schedules are due at the same time are each synced exactly once, a worker killed
 * (SIGKILL) in the middle of a sync loses its job to another after the lease, and the ledger ends
 * with exactly the bank's transactions (nothing doubled, nothing lost).
 *
 * WORKERS_TEST_FAMILIES sets the number of families (default 12 for CI; the proof is 200).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { setSchedule } from '../src/scheduler/schedules.js';
import { schedulerSettings } from '../src/scheduler/settings.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';
import { until } from './helpers/until.js';

const FAMILIES = Number(process.env.WORKERS_TEST_FAMILIES ?? 12);
const WORKERS = 3;
const secretKey = randomBytes(32).toString('base64');
const budget = { SOPHTRON_MONTHLY_BUDGET: '10000000' };
const settings = schedulerSettings(loadConfig({ ...budget, LOG_LEVEL: 'silent' }));

let sandbox: RunningSandbox;
let database: TestDatabase;
let store: Store;
const families: { id: string; accounts: { id: string; sophtronId: string }[] }[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 31, pollsPerStep: 1, bigAccount: false });
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
    // Set two days ago for 05:00 daily: one missed slot each, all due now (missed slots run once).
    await setSchedule(store.db, family.id, { cron: '0 5 * * *', enabled: true }, settings, twoDaysAgo);
    families.push({ id: family.id, accounts });
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
  await sandbox?.close();
});

function startWorker(): {
  proc: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  output: () => string;
} {
  const user = sandbox.users[0]!;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--concurrency', String(CONCURRENCY)],
    {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...database.env,
        SECRET_KEY: secretKey,
        SOPHTRON_USER_ID: user.userId,
        SOPHTRON_ACCESS_KEY: user.accessKey,
        SOPHTRON_BASE_URL: sandbox.baseUrl,
        SOPHTRON_JOB_POLL_MS: '5',
        SCHEDULER_TICK_SECONDS: '1',
        WORKER_LEASE_SECONDS: '6',
        WORKER_POLL_SECONDS: '1',
        WORKER_RETRY_DELAY_SECONDS: '1',
        LOG_LEVEL: 'warn',
        ...budget,
      },
    },
  );
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, exited, output: () => out };
}

/** Jobs each worker runs at once. */
const CONCURRENCY = 2;

/** How the waits below ask the database again: every 100 ms, for as long as every family's sync may take. */
const POLL = { everyMs: 100, withinMs: 120_000 + FAMILIES * 5_000 };

describe('worker processes on PostgreSQL', () => {
  it(`sync ${FAMILIES} due families exactly once each, surviving a worker killed mid-sync`, async () => {
    const workers = Array.from({ length: WORKERS }, () => startWorker());
    const victim = workers[0]!;
    try {
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

      // Every family ends with a finished scheduled run and no job left on the queue.
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
        'the queue to be empty',
        async () => {
          const { rows } = await sql<{ n: string }>`
          select count(*) as n from pgboss.job
          where name = 'sync-family' and state in ('created', 'retry', 'active')`.execute(store.db);
          return Number(rows[0]!.n) === 0;
        },
        POLL,
      );

      // Exactly once per due time: one succeeded scheduled run per family. The killed worker ran up
      // to CONCURRENCY syncs at once, so the family it was seen syncing, and at most one other, also
      // have the run it left behind, marked interrupted; no other run is anything but succeeded.
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

      // The ledger holds exactly the bank's transactions of each linked account: 0 doubled, 0 lost.
      for (const f of families) {
        for (const a of f.accounts) {
          const ledger = await store.db
            .selectFrom('transactions')
            .select(['provider_transaction_id'])
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
        }
      }

      // The others stop cleanly.
      for (const w of workers.slice(1)) w.proc.kill('SIGTERM');
      for (const w of workers.slice(1)) expect(await w.exited, w.output()).toBe(0);
    } finally {
      for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    }
  }, 900_000);
});

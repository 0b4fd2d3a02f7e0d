/**
 * PostgreSQL mode: a worker process killed (SIGKILL) during a job's last allowed attempt leaves no
 * handler to record it; the job queue fails it when its lease runs out, and another worker records
 * it in the family's sync history, once, as any job that gave up is recorded.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openFamilyQueue, type FamilyQueue } from '../src/scheduler/queue.js';
import { startSchedulerFor } from '../src/scheduler/wiring.js';
import { openStore, type Store } from '../src/store/index.js';
import { syncRunsRepository } from '../src/store/sync-runs.js';
import { seedAccount } from './fakes/ledger-seed.js';
import { spawnCli } from './helpers/cli-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { setNightlyFirefly } from './helpers/nightly-firefly.js';
import { until } from './helpers/until.js';

const secretKey = randomBytes(32).toString('base64');
const env = {
  WORKER_LEASE_SECONDS: '5',
  WORKER_RETRY_LIMIT: '1',
  WORKER_RETRY_DELAY_SECONDS: '1',
  WORKER_POLL_SECONDS: '1',
  LOG_LEVEL: 'silent',
};

let database: TestDatabase;
let store: Store;
let queue: FamilyQueue | undefined;
let firefly: Server;
/** Requests Firefly III received; the first is refused, the later ones never answered. */
const requests: ServerResponse[] = [];

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  store = await openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey });
  firefly = createServer((_req, res) => {
    requests.push(res);
    if (requests.length === 1)
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthenticated."}');
  });
  await new Promise<void>((resolve) => firefly.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await queue?.stop();
  firefly?.closeAllConnections();
  await new Promise((resolve) => firefly?.close(resolve));
  await store?.close();
  await database?.dispose();
});

it('a job whose worker is killed during its last attempt is recorded as given up by another worker, once', async () => {
  const family = await store.createFamily({ name: 'Worker lost', timeZone: 'UTC' });
  await seedAccount(store.db, family.id, { name: 'Checking', sophtronAccountId: 'acct-1' });
  await setNightlyFirefly(store, family.id, [{ sophtronId: 'acct-1', name: 'Checking' }]);
  const { port } = firefly.address() as AddressInfo;
  await store.saveFireflySettings(family.id, {
    url: `http://127.0.0.1:${port}`,
    token: 't',
  });

  // The first worker: its first attempt is refused by Firefly III, its second (the last) hangs.
  const child = spawnCli(['worker', '--concurrency', '1'], {
    ...database.env,
    SECRET_KEY: secretKey,
    ...env,
    LOG_LEVEL: 'info',
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const config = loadConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url!, ...env });
  try {
    await until('the worker to take jobs', () => out.includes('worker taking jobs'), { withinMs: 60_000 });
    queue = await openFamilyQueue(config.databaseUrl!, config, {});
    expect(await queue.dispatchDelivery(family.id, 'firefly')).toBe(true);
    await until('the last attempt to reach Firefly III', () => requests.length >= 2, { withinMs: 60_000 });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }

  const worker = startSchedulerFor(store, config, { work: { concurrency: 1 } });
  try {
    await worker.ready;
    const runs = syncRunsRepository(store.db);
    const gaveUp = await until(
      'the job to be recorded as given up',
      async () => (await runs.listRuns(family.id)).find((r) => /gave up/.test(r.error ?? '')),
      { withinMs: 60_000, everyMs: 250 },
    );
    expect(gaveUp.outcome).toBe('failed');
    expect(gaveUp.error).toMatch(/gave up after 2 attempts: .*worker/);
    // Nothing of the job is left to run: the line stays the only one.
    await until('the queue to be done with the job', async () => {
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(store.db);
      return Number(rows[0]!.n) === 0;
    });
    expect((await runs.listRuns(family.id)).filter((r) => /gave up/.test(r.error ?? ''))).toHaveLength(1);
    expect(requests).toHaveLength(2);
  } finally {
    await worker.stop();
  }
}, 150_000);

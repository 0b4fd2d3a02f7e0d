/**
 * PostgreSQL mode: a queued job that keeps failing is retried with backoff by the job queue, then
 * lands in the family's sync history with its reason, and its destination's last delivery says it
 * failed; a worker runs in this process, as `sophtron-sync worker` runs it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openFamilyQueue, type FamilyQueue } from '../src/scheduler/queue.js';
import { startSchedulerFor } from '../src/scheduler/wiring.js';
import { openStore, type Store } from '../src/store/index.js';
import { listDestinations } from '../src/store/schedule-destinations.js';
import { syncRunsRepository } from '../src/store/sync-runs.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { setNightlyFirefly } from './helpers/nightly-firefly.js';
import { until } from './helpers/until.js';

let database: TestDatabase;
let store: Store;
let queue: FamilyQueue;

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  store = await openStore({
    dataDir: database.dataDir,
    databaseUrl: database.url,
    secretKey: randomBytes(32).toString('base64'),
  });
});

afterAll(async () => {
  await queue?.stop();
  await store?.close();
  await database?.dispose();
});

it('a delivery that fails on every attempt is retried, then recorded in the sync history with its reason', async () => {
  const config = loadConfig({
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.url!,
    LOG_LEVEL: 'silent',
    WORKER_RETRY_LIMIT: '2',
    WORKER_RETRY_DELAY_SECONDS: '1',
    WORKER_POLL_SECONDS: '1',
  });
  const family = await store.createFamily({ name: 'Never delivered', timeZone: 'UTC' });
  // A Firefly III destination whose Firefly III was never set up: every attempt fails at once.
  await setNightlyFirefly(store, family.id, [{ sophtronId: 'acct-1', name: 'Checking' }]);
  const worker = startSchedulerFor(store, config, { work: { concurrency: 1 } });
  try {
    await worker.ready;
    queue = await openFamilyQueue(config.databaseUrl!, config, {});
    expect(await queue.dispatchDelivery(family.id, 'firefly')).toBe(true);

    const runs = syncRunsRepository(store.db);
    const gaveUp = await until(
      'the job to give up',
      async () => (await runs.listRuns(family.id)).find((r) => /gave up/.test(r.error ?? '')),
      { withinMs: 90_000, everyMs: 250 },
    );
    // The first attempt and WORKER_RETRY_LIMIT retries, then one record naming why.
    expect(gaveUp.outcome).toBe('failed');
    expect(gaveUp.error).toMatch(/gave up after 3 attempts: .+/);
    expect((await runs.listRuns(family.id)).filter((r) => /gave up/.test(r.error ?? ''))).toHaveLength(1);
    const firefly = (await listDestinations(store.db, family.id)).find((d) => d.destination === 'firefly');
    expect(firefly?.lastOutcome).toBe('failed');
  } finally {
    await worker.stop();
  }
}, 120_000);

/**
 * The throttle's arithmetic and its SQL, on both databases (vitest.config.ts lists this suite):
 * atomic counting, growing waits, forgetting after a quiet day, clearing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/databases.js';
import { openStore, type Store } from '../../store/index.js';
import { delayAfter, MAX_DELAY_MS } from '../../store/throttle.js';
import { buckets } from './throttle.js';

let database: TestDatabase;
let store: Store;
beforeAll(async () => {
  database = await createTestDatabase();
  store = await openStore(
    { dataDir: database.dataDir, databaseUrl: database.url },
    { onKeyGenerated: () => {} },
  );
});
afterAll(async () => {
  await store.close();
  await database.dispose();
});

const T0 = Date.parse('2026-12-04T10:00:00Z');

describe('delayAfter', () => {
  it('is free for the free tries, then doubles up to the ceiling', () => {
    expect([1, 2, 3].map((n) => delayAfter(n, 3))).toEqual([0, 0, 0]);
    expect([4, 5, 6].map((n) => delayAfter(n, 3))).toEqual([5_000, 10_000, 20_000]);
    expect(delayAfter(20, 3)).toBe(MAX_DELAY_MS);
    expect(delayAfter(10_000, 3)).toBe(MAX_DELAY_MS);
  });
});

describe('buckets in the database', () => {
  it('count every failure, even at once, and make the wait grow', async () => {
    const { db } = store;
    const pair = buckets.pair('192.0.2.1', 'Alice');
    await Promise.all([1, 2, 3, 4].map(() => store.recordThrottleFailure([pair], T0)));
    const row = await db
      .selectFrom('web_login_attempts')
      .selectAll()
      .where('key', '=', pair.key)
      .executeTakeFirstOrThrow();
    expect(Number(row.failures)).toBe(4);
    expect(await store.throttleWait([pair], T0)).toBe(5_000);
    await store.recordThrottleFailure([pair], T0 + 5_000);
    expect(await store.throttleWait([pair], T0 + 5_000)).toBe(10_000);
    expect(await store.throttleWait([buckets.pair('192.0.2.1', 'bob')], T0)).toBe(0);
  });

  it('forget a bucket after a quiet day, and clear it on success', async () => {
    const { db } = store;
    const b = buckets.address('192.0.2.9');
    for (let i = 0; i < 12; i++) await store.recordThrottleFailure([b], T0);
    expect(await store.throttleWait([b], T0)).toBeGreaterThan(0);
    const dayLater = T0 + 25 * 3600_000;
    await store.recordThrottleFailure([b], dayLater);
    expect(await store.throttleWait([b], dayLater)).toBe(0);
    await store.clearThrottle([b]);
    expect(await db.selectFrom('web_login_attempts').selectAll().where('key', '=', b.key).execute()).toEqual(
      [],
    );
  });
});

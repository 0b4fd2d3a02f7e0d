/**
 * A Firefly III that rate-limits and fails as a busy server does: 10% of requests answered 429
 * with Retry-After, 10% answered 500 — half of those before anything is done, half after the write
 * was stored. ONE import run must end exact (every transaction once, balances equal, outcome ok),
 * never come back sooner than Retry-After asked, and never re-send a write blindly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FireflyClient } from '../src/destinations/firefly/client.js';
import { parseFidiConfig } from '../src/destinations/firefly/fidi-config.js';
import { runImportConfiguration } from '../src/app/import.js';
import { openStore, type Store } from '../src/store/index.js';
import { startFakeFirefly, type FakeFirefly } from './fakes/firefly.js';
import { seedAccount, seedFamily, seedTransaction, setBalance } from './fakes/ledger-seed.js';

let dir: string;
let store: Store;
let fake: FakeFirefly;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ff-faults-'));
  store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 4).toString('base64') });
  fake = await startFakeFirefly();
});

afterEach(async () => {
  await fake.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const N = 60;

async function seedLedger() {
  const family = await seedFamily(store.db);
  const ids: Record<string, string> = {};
  for (const [name, kind] of [
    ['Checking', 'depository'],
    ['Visa', 'credit_card'],
  ] as const) {
    const account = await seedAccount(store.db, family, {
      name,
      kind,
      sophtronAccountId: name.toLowerCase(),
    });
    ids[name] = account;
    let sum = 0;
    for (let i = 0; i < N / 2; i++) {
      const amount = i % 6 === 0 ? 20_000 + i : -(500 + 13 * i);
      sum += amount;
      const date = new Date(Date.now() - (40 - i) * 86_400_000).toISOString().slice(0, 10);
      await seedTransaction(store.db, account, {
        providerId: `${name}-${i}`,
        amountMinor: amount,
        date,
        merchant: `Shop ${i % 9}`,
      });
    }
    // The bank's balance: what these transactions add up to, on an opening balance.
    await setBalance(store.db, account, kind === 'credit_card' ? 75_000 - sum : 120_000 + sum);
  }
  return { family, ids };
}

const config = parseFidiConfig(
  JSON.stringify({
    version: 3,
    flow: 'sophtron',
    accounts: { checking: 0, visa: 0 },
    date_range: 'partial',
    date_range_number: 90,
    date_range_unit: 'd',
  }),
);

it('one import run ends exact through 429s with Retry-After and 5xx before and after writes', async () => {
  const { family } = await seedLedger();
  fake.setFaults({ rate429: 0.1, retryAfterSeconds: 1, rate5xxBefore: 0.05, rate5xxAfter: 0.05, seed: 7 });
  const client = new FireflyClient({ baseUrl: fake.url, token: fake.token, retryDelayMs: 20 });
  const run = await runImportConfiguration({ store, client, concurrency: 4 }, family, config, {
    trigger: 'import',
  });
  expect(run.delivery.errors).toEqual([]);
  expect(run.delivery.aborted).toBeNull();
  expect(run.outcome).toBe('ok');
  expect(fake.injected.rateLimited).toBeGreaterThan(0);
  expect(fake.injected.failedAfter).toBeGreaterThan(0);
  const ids = fake.liveGroups().map((g) => g.split.externalId);
  expect(new Set(ids).size).toBe(N);
  expect(ids).toHaveLength(N);
  expect(
    [...fake.accounts.values()].filter((a) => a.type !== 'expense' && a.type !== 'revenue'),
  ).toHaveLength(2);
  expect(run.delivery.balances.map((b) => b.matches)).toEqual([true, true]);
  expect(fake.violations).toEqual([]);

  // And nothing is left to do.
  fake.setFaults(null);
  const again = await runImportConfiguration({ store, client, concurrency: 4 }, family, config, {
    trigger: 'import',
  });
  expect(again.outcome).toBe('nothing_imported');
  expect(fake.liveGroups()).toHaveLength(N);
});

it('an account and a transaction whose answers were lost after Firefly stored them exist once', async () => {
  const { family } = await seedLedger();
  fake.failAfterWrite.push('POST /api/v1/accounts', 'POST /api/v1/transactions', 'PUT /api/v1/transactions/');
  const client = new FireflyClient({ baseUrl: fake.url, token: fake.token, retryDelayMs: 5 });
  const run = await runImportConfiguration({ store, client, concurrency: 4 }, family, config, {
    trigger: 'import',
  });
  expect(run.delivery.errors).toEqual([]);
  expect(run.outcome).toBe('ok');
  expect(fake.injected.failedAfter).toBe(2);
  expect(
    [...fake.accounts.values()].filter((a) => a.type === 'asset' || a.type === 'liabilities'),
  ).toHaveLength(2);
  expect(new Set(fake.liveGroups().map((g) => g.split.externalId)).size).toBe(N);
  expect(fake.liveGroups()).toHaveLength(N);
  expect(run.delivery.balances.map((b) => b.matches)).toEqual([true, true]);
  expect(fake.violations).toEqual([]);
});

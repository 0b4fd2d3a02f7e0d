/**
 * Firefly III delivery end to end: the real sandbox over HTTP → the sync engine → a real SQLite
 * ledger → delivery into the stateful Firefly fake (every request and answer checked against the
 * official OpenAPI document when it is present). Import twice: nothing doubles. Pending then
 * posted under a new id: one transaction, updated in place. Balances equal the bank's each time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { FireflyClient } from '../src/destinations/firefly/client.js';
import { deliverFamily, type DeliveryResult } from '../src/destinations/firefly/deliver.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { syncFamily } from '../src/sync/run.js';
import { startFakeFirefly, type FakeFirefly } from './fakes/firefly.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';

const BASE_TIME = new Date('2026-06-15T15:00:00Z');
const config = loadConfig({ SYNC_START_DAYS: '30', PENDING_GRACE_DAYS: '5', LOG_LEVEL: 'silent' });
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('sandbox → ledger → Firefly: nothing doubles, pending→posted stays one transaction, balances match the bank', async () => {
  const sandbox: RunningSandbox = await startSandbox({
    seed: 11,
    pollsPerStep: 1,
    bigAccount: false,
    now: () => BASE_TIME,
  });
  cleanups.push(() => sandbox.close());
  const dir = mkdtempSync(join(tmpdir(), 'ff-e2e-'));
  const store: Store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 9).toString('base64') });
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fake: FakeFirefly = await startFakeFirefly();
  cleanups.push(() => fake.stop());

  const family = await store.createFamily({ name: 'E2E', timeZone: 'America/New_York' });
  const sophtron = sandboxClient(sandbox, {
    retryBudgetMs: 20_000,
    retryBaseDelayMs: 1,
    maxRetryDelayMs: 5,
  });
  const { outcome, providerAccounts } = await connectSandboxBank(store, family.id, sophtron, {
    jobOptions: fastJobs,
  });
  expect(outcome.outcome).toBe('connected');
  for (const pa of providerAccounts) await store.linkAccount(family.id, pa.id);

  const sync = async () => {
    const r = await syncFamily(
      { store, sophtron, config, clock: () => sandbox.control.now(), jobOptions: fastJobs },
      family.id,
      { trigger: 'import' },
    );
    expect(r.outcome).toBe('succeeded');
    return r;
  };
  const client = new FireflyClient({ baseUrl: fake.url, token: fake.token });
  const deliver = () =>
    deliverFamily({ store: store, client }, family.id, { pending: 'tag', now: sandbox.control.now() });

  /** Firefly holds exactly one group per live (pending or posted, non-zero) ledger transaction. */
  const expectExactlyTheLedger = async () => {
    const rows = await store.db
      .selectFrom('transactions')
      .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
      .innerJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
      .select([
        'transactions.provider_transaction_id',
        'transactions.amount_minor',
        'provider_accounts.sophtron_account_id',
      ])
      .where('accounts.family_id', '=', family.id)
      .where('transactions.status', '!=', 'vanished')
      .where('transactions.amount_minor', '!=', 0)
      .execute();
    const expected = rows.map((r) => `sophtron:${r.sophtron_account_id}:${r.provider_transaction_id}`).sort();
    const actual = fake
      .liveGroups()
      .filter((g) => g.split.type !== 'transfer')
      .map((g) => g.split.externalId!)
      .sort();
    expect(actual).toEqual(expected);
  };
  const expectBalancesMatch = (r: DeliveryResult) => {
    expect(r.balances.length).toBeGreaterThan(1);
    for (const b of r.balances) expect(b.differenceMinor, b.name).toBe(0);
  };

  await sync();
  const first = await deliver();
  expect(first.failed).toBe(0);
  expect(first.created).toBeGreaterThan(20);
  expect(first.accountsCreated).toBe(first.balances.length);
  await expectExactlyTheLedger();
  expectBalancesMatch(first);
  const pendingDelivered = fake.liveGroups().filter((g) => g.split.tags.includes('pending')).length;
  expect(pendingDelivered).toBeGreaterThan(0);

  // Import again (sync + deliver) with nothing new at the bank: nothing doubles, one request.
  await sync();
  fake.resetLog();
  const again = await deliver();
  expect(again.created + again.updated + again.alreadyThere).toBe(0);
  expect(fake.log.map((r) => r.path)).toEqual(['/api/v1/about']);
  await expectExactlyTheLedger();

  // Bank time passes: new transactions, pending ones post under new ids, some pending vanish.
  const accounts = await store.listSyncableAccounts(family.id);
  sandbox.control.advanceDays(3);
  sandbox.control.addTransaction(accounts[0]!.sophtron_account_id, {
    amountCents: -4321,
    description: 'HAND MADE TEST',
  });
  await sync();
  const second = await deliver();
  expect(second.failed).toBe(0);
  expect(second.created).toBeGreaterThan(0);
  await expectExactlyTheLedger();
  expectBalancesMatch(second);

  sandbox.control.advanceDays(6);
  const merged = await sync();
  expect(merged.totals.merged).toBeGreaterThan(0);
  const third = await deliver();
  expect(third.failed).toBe(0);
  expect(third.updated).toBeGreaterThan(0); // posted in place of their pending rows
  await expectExactlyTheLedger();
  expectBalancesMatch(third);
  // Each merged row is one Firefly group, now without the pending tag.
  const mergedRows = await store.db
    .selectFrom('transactions')
    .innerJoin('firefly_transactions', 'firefly_transactions.transaction_id', 'transactions.id')
    .select(['firefly_transactions.firefly_group_id'])
    .where('transactions.replaced_pending_id', 'is not', null)
    .execute();
  expect(mergedRows.length).toBeGreaterThan(0);
  for (const m of mergedRows)
    expect(fake.groups.get(m.firefly_group_id!)!.split.tags).not.toContain('pending');

  expect(fake.violations).toEqual([]);
});

/**
 * `sophtron-sync db copy --to postgres://…` end to end: a SQLite ledger the product synced from the
 * sandbox and delivered to the Firefly fake (plus a second family holding a long history) is copied
 * into PostgreSQL; every table's count and checksum match, sealed secrets open with the same key,
 * a second copy into the now full database is refused, and the product then syncs and delivers
 * from PostgreSQL with nothing doubled.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { FireflyClient } from '../src/destinations/firefly/client.js';
import { deliverFamily } from '../src/destinations/firefly/deliver.js';
import { startSandbox } from '../src/sandbox/index.js';
import { openDatabase } from '../src/store/database.js';
import { openStore, type Store } from '../src/store/index.js';
import { syncFamily } from '../src/sync/run.js';
import { seedHistory } from './fakes/bulk-ledger.js';
import { startFakeFirefly } from './fakes/firefly.js';
import { seedAccount } from './fakes/ledger-seed.js';
import { runCliInProcess } from './helpers/cli.js';
import { createTestDatabase } from './helpers/databases.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';

const HISTORY = 3000;
const BASE_TIME = new Date('2026-06-15T15:00:00Z');
const config = loadConfig({ SYNC_START_DAYS: '30', PENDING_GRACE_DAYS: '5', LOG_LEVEL: 'silent' });
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('copies a synced, delivered SQLite ledger into PostgreSQL exactly; the product goes on there doubling nothing', async () => {
  const sandbox = await startSandbox({ seed: 11, pollsPerStep: 1, bigAccount: false, now: () => BASE_TIME });
  cleanups.push(() => sandbox.close());
  const fake = await startFakeFirefly();
  cleanups.push(() => fake.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-copy-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const secretKey = randomBytes(32).toString('base64');
  const sophtron = sandboxClient(sandbox, { retryBudgetMs: 20_000, retryBaseDelayMs: 1, maxRetryDelayMs: 5 });
  const firefly = new FireflyClient({ baseUrl: fake.url, token: fake.token });
  const user = sandbox.users[0]!;

  const sync = async (store: Store, familyId: string) => {
    const r = await syncFamily(
      { store, sophtron, config, clock: () => sandbox.control.now(), jobOptions: fastJobs },
      familyId,
      { trigger: 'import' },
    );
    expect(r.outcome).toBe('succeeded');
    return r;
  };
  const deliver = (store: Store, familyId: string) =>
    deliverFamily({ store: store, client: firefly }, familyId, {
      pending: 'tag',
      now: sandbox.control.now(),
    });
  /** Firefly holds exactly one group per live ledger transaction of the family. */
  const expectExactlyTheLedger = async (store: Store, familyId: string) => {
    const rows = await store.db
      .selectFrom('transactions')
      .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
      .innerJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
      .select(['transactions.provider_transaction_id', 'provider_accounts.sophtron_account_id'])
      .where('accounts.family_id', '=', familyId)
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

  // 1. The household on SQLite: synced and delivered, a Firefly token and Sophtron key sealed.
  const sqlite = await openStore({ dataDir, secretKey });
  const family = await sqlite.createFamily({ name: 'Copied', timeZone: 'America/New_York' });
  await sqlite.saveCredentials(family.id, { userId: user.userId, accessKey: user.accessKey, baseUrl: null });
  await sqlite.saveFireflySettings(family.id, { url: fake.url, token: fake.token });
  const { providerAccounts } = await connectSandboxBank(sqlite, family.id, sophtron, {
    jobOptions: fastJobs,
  });
  for (const pa of providerAccounts) await sqlite.linkAccount(family.id, pa.id);
  await sync(sqlite, family.id);
  const first = await deliver(sqlite, family.id);
  expect(first.created).toBeGreaterThan(20);
  // Volume: another family with a long history.
  const other = await sqlite.createFamily({ name: 'Archive', timeZone: 'UTC' });
  await seedHistory(sqlite.db, await seedAccount(sqlite.db, other.id), HISTORY, '2026-01-01');
  await sqlite.close();

  // 2. The copy, as a person runs it.
  const target = await createTestDatabase('postgres');
  cleanups.push(() => target.dispose());
  const env = { DATA_DIR: dataDir, SECRET_KEY: secretKey, LOG_LEVEL: 'silent' };
  const copied = await runCliInProcess(['db', 'copy', '--to', target.url!], env);
  expect(copied.stderr).toBe('');
  expect(copied.code).toBe(0);
  expect(copied.stdout).toContain(`copying ${join(dataDir, 'sophtron-sync.sqlite')} → `);
  expect(copied.stdout).toMatch(/every count and checksum matches/);
  expect(copied.stdout).toContain('the secret key opens the copied secrets');

  // Counted again here, table by table, outside the command.
  const source = await openDatabase({ dataDir });
  cleanups.push(() => source.close());
  const pg = await target.open();
  const tables = (await source.db.introspection.getTables())
    .map((t) => t.name)
    .filter((n) => !n.startsWith('kysely_'));
  expect(tables.length).toBeGreaterThan(20);
  const count = async (db: typeof source.db, t: string) =>
    Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(db)).rows[0]!.n);
  for (const t of tables) {
    const n = await count(source.db, t);
    expect(await count(pg.db, t), t).toBe(n);
    expect(copied.stdout, t).toContain(`${t.padEnd(24)} ${n} → ${n}`);
  }
  expect(await count(pg.db, 'transactions')).toBeGreaterThan(HISTORY);
  await pg.close();

  // 3. A second copy into the now full database is refused, and changes nothing.
  const again = await runCliInProcess(['db', 'copy', '--to', target.url!], env);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(
    /the target database is not empty \(.*\); db copy only fills an empty database/,
  );

  // 4. The product on PostgreSQL: same key, same secrets, and nothing doubles.
  const store = await openStore({ dataDir, secretKey, databaseUrl: target.url });
  cleanups.push(() => store.close());
  expect(store.dialect).toBe('postgres');
  expect((await store.getCredentials(family.id))?.accessKey).toBe(user.accessKey);
  expect((await store.getFireflySettings(family.id))?.token).toBe(fake.token);
  await expectExactlyTheLedger(store, family.id);
  const resync = await sync(store, family.id);
  expect(resync.totals.new).toBe(0);
  const redeliver = await deliver(store, family.id);
  expect(redeliver.created + redeliver.updated + redeliver.alreadyThere).toBe(0);

  // New bank activity lands once (new ids continue after the copied ones).
  const accounts = await store.listSyncableAccounts(family.id);
  sandbox.control.advanceDays(3);
  sandbox.control.addTransaction(accounts[0]!.sophtron_account_id, {
    amountCents: -4321,
    description: 'AFTER COPY',
  });
  const later = await sync(store, family.id);
  expect(later.totals.new).toBeGreaterThan(0);
  const delivered = await deliver(store, family.id);
  expect(delivered.failed).toBe(0);
  expect(delivered.created).toBeGreaterThan(0);
  await expectExactlyTheLedger(store, family.id);
  expect(fake.violations).toEqual([]);
});

/**
 * Two imports of one family that overlap (a cron job and a person, the web and a schedule) must
 * never send a transaction twice: the second finds the family's lock held and says by whom and
 * since when, or waits its turn; Firefly III ends with exactly one group per ledger transaction.
 * The Firefly fake holds every POST /transactions of the first run until the second has had its
 * chance, so the overlap is certain, whatever the machine's speed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { FireflyClient } from '../src/destinations/firefly/client.js';
import { parseFidiConfig } from '../src/destinations/firefly/fidi-config.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createApp } from '../src/app/app.js';
import { openStore, type Store } from '../src/store/index.js';
import { deliverPrepared, prepareImport } from '../src/web/import/engine.js';
import { startFakeFirefly, type FakeFirefly } from './fakes/firefly.js';
import { seedAccount, seedFamily, seedManyTransactions } from './fakes/ledger-seed.js';
import { runCli, runCliInProcess, type CliResult } from './helpers/cli.js';
import { until } from './helpers/until.js';
import {
  connectSandboxBank,
  sandboxCliEnv,
  sandboxClient,
  sandboxDefaultFamily,
} from './helpers/sandbox-family.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** FIREFLY_III_CONCURRENCY's default, and what the web and schedule runs below use. */
const CONCURRENCY = 4;
const LOCKED = /already running since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\S+ pid \d+\)/;

/** Starts `first`, and `second` once `first` is sending; lets the writes go when `second` is done or sending too. */
async function overlap<A, B>(
  fake: FakeFirefly,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
  fake.holdWrites();
  const a = first();
  a.catch(() => undefined);
  await until('the first run to send', () => fake.heldWrites > 0, { everyMs: 10 });
  let secondDone = false;
  const b = second().finally(() => (secondDone = true));
  b.catch(() => undefined);
  // The first run has at most CONCURRENCY writes in flight: more means the second is sending too.
  await until('the second run to finish or send', () => secondDone || fake.heldWrites > CONCURRENCY, {
    everyMs: 10,
  });
  fake.releaseWrites();
  return Promise.allSettled([a, b]) as Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]>;
}

function expectExactlyOnce(fake: FakeFirefly, expected: number) {
  const ids = fake.liveGroups().map((g) => g.split.externalId);
  expect(new Set(ids).size, 'distinct external ids').toBe(expected);
  expect(ids).toHaveLength(expected);
}

const importFile = (dir: string, accounts: string[]) => {
  const file = join(dir, 'import.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 3,
      flow: 'sophtron',
      accounts: Object.fromEntries(accounts.map((a) => [a, 0])),
      date_range: 'partial',
      date_range_number: 60,
      date_range_unit: 'd',
      custom_tag: 'Sophtron import %datetime%',
      duplicate_detection_method: 'none',
    }),
  );
  return file;
};

async function cliSetup() {
  const sandbox = await startSandbox({ seed: 11, pollsPerStep: 1, bigAccount: false });
  cleanups.push(() => sandbox.close());
  const fake = await startFakeFirefly();
  cleanups.push(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'ff-overlap-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const secretKey = Buffer.alloc(32, 9).toString('base64');
  const store = await openStore({ dataDir: dir, secretKey });
  const family = await sandboxDefaultFamily(store, sandbox);
  const { providerAccounts } = await connectSandboxBank(store, family.id, sandboxClient(sandbox));
  await store.close();
  const file = importFile(
    dir,
    providerAccounts.slice(0, 2).map((p) => p.sophtron_account_id),
  );
  const env = sandboxCliEnv(sandbox, dir, {
    SECRET_KEY: secretKey,
    FIREFLY_III_URL: fake.url,
    FIREFLY_III_ACCESS_TOKEN: fake.token,
    LOG_LEVEL: 'silent',
    TIME_ZONE: 'UTC',
  });
  // Link and sync once, so that both runs below only deliver (and the first one's sending is certain).
  for (const p of providerAccounts.slice(0, 2)) {
    const linked = await runCliInProcess(['accounts', 'link', p.sophtron_account_id], env);
    expect(linked.code, linked.stderr).toBe(0);
  }
  const synced = await runCliInProcess(['sync', '--from', '2020-01-01'], env);
  expect(synced.code, synced.stderr).toBe(0);
  return { sandbox, fake, dir, file, env, secretKey, familyId: family.id };
}

const ledgerCount = async (dir: string, secretKey: string) => {
  const store = await openStore({ dataDir: dir, secretKey });
  try {
    const r = await store.db
      .selectFrom('transactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'posted')
      .where('amount_minor', '!=', 0)
      .where('date', '>=', new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  } finally {
    await store.close();
  }
};

const outcomeText = (r: PromiseSettledResult<CliResult>) =>
  r.status === 'fulfilled' ? `${r.value.code} ${r.value.stderr}` : String(r.reason);

it('CLI + CLI: two `import --no-sync` runs at once send every transaction once', async () => {
  const { fake, dir, file, env, secretKey } = await cliSetup();
  const expected = await ledgerCount(dir, secretKey);
  expect(expected).toBeGreaterThan(5);

  const [a, b] = await overlap(
    fake,
    () => runCli(['import', file, '--no-sync'], env),
    () => runCli(['import', file, '--no-sync'], env),
  );
  expect(a.status === 'fulfilled' && a.value.code, outcomeText(a)).toBe(0);
  expect(b.status === 'fulfilled' && b.value.code, outcomeText(b)).not.toBe(0);
  expect(outcomeText(b)).toMatch(LOCKED);
  expectExactlyOnce(fake, expected);
  expect(fake.violations).toEqual([]);
});

it('CLI + web: the wizard delivering while `import` runs sends nothing twice', async () => {
  const { fake, dir, file, env, secretKey, familyId } = await cliSetup();
  const expected = await ledgerCount(dir, secretKey);
  const store = await openStore({ dataDir: dir, secretKey });
  cleanups.push(() => store.close());
  const client = new FireflyClient({ baseUrl: fake.url, token: fake.token });
  const config = parseFidiConfig(readFileSync(file, 'utf8'));

  const [cli, web] = await overlap(
    fake,
    () => runCli(['import', file, '--no-sync'], env),
    async () =>
      deliverPrepared(store, client, familyId, await prepareImport(store, familyId, config), {
        concurrency: CONCURRENCY,
      }),
  );
  expect(cli.status === 'fulfilled' && cli.value.code, outcomeText(cli)).toBe(0);
  expect(web.status).toBe('rejected');
  expect(String((web as PromiseRejectedResult).reason)).toMatch(LOCKED);
  expectExactlyOnce(fake, expected);
});

it('web + schedule: a scheduled delivery during the wizard’s sends nothing twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-overlap-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store: Store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 3).toString('base64') });
  cleanups.push(() => store.close());
  const fake = await startFakeFirefly();
  cleanups.push(() => fake.stop());
  const familyId = await seedFamily(store.db);
  const account = await seedAccount(store.db, familyId, { name: 'Checking', sophtronAccountId: 'chk' });
  await seedManyTransactions(
    store.db,
    account,
    40,
    new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10),
  );
  await store.saveFireflySettings(familyId, { url: fake.url, token: fake.token });
  const config = parseFidiConfig(
    JSON.stringify({
      version: 3,
      flow: 'sophtron',
      accounts: { chk: 0 },
      date_range: 'partial',
      date_range_number: 60,
      date_range_unit: 'd',
      duplicate_detection_method: 'none',
    }),
  );
  const client = new FireflyClient({ baseUrl: fake.url, token: fake.token });
  const app = createApp(store, loadConfig({}));
  const scheduled = (f: string, options: unknown) => app.runDelivery(f, 'firefly', options);

  const [web, schedule] = await overlap(
    fake,
    async () =>
      deliverPrepared(store, client, familyId, await prepareImport(store, familyId, config), {
        concurrency: CONCURRENCY,
      }),
    () => scheduled(familyId, { config: JSON.parse(JSON.stringify(config)) }),
  );
  expect(web.status === 'fulfilled' && web.value.created).toBe(40);
  expect(schedule.status).toBe('rejected');
  expect(String((schedule as PromiseRejectedResult).reason)).toMatch(LOCKED);
  expectExactlyOnce(fake, 40);
  expect(fake.violations).toEqual([]);
});

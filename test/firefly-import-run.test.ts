/**
 * runImportConfiguration, the one run behind `import`, the web wizard/API/autoimport and scheduled
 * delivery: a real ledger file, the Firefly III fake, and a recording sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { FireflyClient } from '../src/destinations/firefly/client.js';
import { parseFidiConfig } from '../src/destinations/firefly/fidi-config.js';
import { NothingToImportError, runImportConfiguration, type ImportSync } from '../src/app/import.js';
import { createApp } from '../src/app/app.js';
import { openStore, type Store } from '../src/store/index.js';
import type { SyncRunResult } from '../src/sync/run.js';
import { startFakeFirefly, type FakeFirefly } from './fakes/firefly.js';
import { seedAccount, seedFamily, seedTransaction } from './fakes/ledger-seed.js';

let dir: string;
let store: Store;
let fake: FakeFirefly;
let client: FireflyClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ff-import-run-'));
  store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 7).toString('base64') });
  fake = await startFakeFirefly();
  client = new FireflyClient({ baseUrl: fake.url, token: fake.token, retryDelayMs: 10 });
});

afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const configFor = (accounts: Record<string, number>) =>
  parseFidiConfig(
    JSON.stringify({
      version: 3,
      flow: 'sophtron',
      accounts,
      date_range: 'partial',
      date_range_number: 2,
      date_range_unit: 'y',
      custom_tag: 'sophtron %date%',
    }),
  );

async function seedLedger() {
  const family = await seedFamily(store.db);
  const checking = await seedAccount(store.db, family, {
    name: 'Checking',
    sophtronAccountId: 'chk',
    balanceMinor: 0,
  });
  const today = new Date().toISOString().slice(0, 10);
  await seedTransaction(store.db, checking, { amountMinor: -1_250, date: today, merchant: 'Cafe' });
  await seedTransaction(store.db, checking, { amountMinor: 1_250, date: today, merchant: 'Refund' });
  return family;
}

describe('runImportConfiguration', () => {
  it('syncs the named accounts over the configuration window, delivers, and says when nothing was new', async () => {
    const family = await seedLedger();
    const requests: Parameters<ImportSync>[1][] = [];
    const sync: ImportSync = async (_family, request) => {
      requests.push(request);
      return {
        outcome: 'succeeded',
        accounts: [],
        totals: { new: 0, updated: 0, merged: 0 },
      } as unknown as SyncRunResult;
    };
    const config = configFor({ chk: 0, 'not-here': 0 });
    const events: string[] = [];
    const run = () =>
      runImportConfiguration({ store, client, sync, concurrency: 2 }, family, config, {
        trigger: 'import',
        onEvent: (e) => events.push(e.type),
      });

    const first = await run();
    expect(first.outcome).toBe('ok');
    expect(first.delivery.created).toBe(2);
    expect(first.warnings).toContain(
      "Sophtron account not-here is not among this family's connected accounts; skipped",
    );
    expect(requests[0]).toMatchObject({ trigger: 'import', to: new Date().toISOString().slice(0, 10) });
    expect(requests[0]!.from! < requests[0]!.to).toBe(true);
    expect(requests[0]!.accountIds).toHaveLength(1);
    expect(events).toContain('delivery');
    expect(fake.liveGroups()[0]!.split.tags[0]).toMatch(/^sophtron \d{4}-\d{2}-\d{2}$/);

    fake.resetLog();
    const second = await run();
    expect(second.outcome).toBe('nothing_imported');
    expect(fake.count()).toBe(1); // the version check only
    expect(fake.liveGroups()).toHaveLength(2);
  });

  it('refuses a configuration none of whose accounts is here, naming each', async () => {
    const family = await seedLedger();
    await expect(
      runImportConfiguration({ store, client, concurrency: 2 }, family, configFor({ gone: 0 }), {
        trigger: 'import',
      }),
    ).rejects.toThrow(NothingToImportError);
    expect(fake.count('POST')).toBe(0);
  });

  it('is what scheduled delivery runs with a configuration saved on the destination', async () => {
    const family = await seedLedger();
    await store.saveFireflySettings(family, { url: fake.url, token: fake.token });
    const app = createApp(store, loadConfig({}));
    const deliver = (f: string, options: unknown) => app.runDelivery(f, 'firefly', options);
    const saved = JSON.parse(JSON.stringify(configFor({ chk: 0 })));
    await expect(deliver(family, { config: saved, configName: 'mine.json' })).resolves.toEqual({
      message: 'created 2, updated 0 in Firefly III',
    });
    expect(fake.liveGroups().map((g) => g.split.tags[0])).toEqual([
      expect.stringMatching(/^sophtron /),
      expect.stringMatching(/^sophtron /),
    ]);
    await expect(
      deliver(family, { config: JSON.parse(JSON.stringify(configFor({ x: 0 }))) }),
    ).rejects.toThrow(/^the import configuration: none of the configuration's accounts can be imported/);
  });
});

/**
 * `sophtron-sync simplefin token create|list|revoke` against a running serve on the same data
 * folder: the printed setup token is claimed by the protocol-text client, list shows its state,
 * last use and a refused second claim, revoke turns the Access URL's answers into 403.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { ensureDefaultFamily } from '../src/store/default-family.js';
import { openStore, type Store } from '../src/store/index.js';
import { startApp, type StartedApp } from '../src/web/start.js';
import { seedAccount, seedConnection } from './fakes/ledger-seed.js';
import { runCliInProcess, type CliEnv } from './helpers/cli.js';
import { accountsV1, claim, getAccounts } from './helpers/simplefin-client.js';

let dir: string;
let env: CliEnv;
let store: Store;
let app: StartedApp;
let checking: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ss-cli-simplefin-'));
  env = {
    DATA_DIR: dir,
    SECRET_KEY: randomBytes(32).toString('base64'),
    SOPHTRON_USER_ID: 'cli-user',
    SOPHTRON_ACCESS_KEY: Buffer.from('cli-key').toString('base64'),
    PUBLIC_URL: '',
  };
  const config = loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  store = await openStore(config);
  const family = await ensureDefaultFamily(store, {
    userId: 'cli-user',
    accessKey: env.SOPHTRON_ACCESS_KEY!,
    baseUrl: null,
    timeZone: 'UTC',
  });
  const bank = await seedConnection(store.db, family.id, { institutionName: 'Bank One' });
  checking = await seedAccount(store.db, family.id, bank, { name: 'Everyday Checking', balanceMinor: 4200 });
  await seedAccount(store.db, family.id, bank, { name: 'Visa', kind: 'credit_card', balanceMinor: 1 });
  app = await startApp(config, { logger: createLogger('silent'), store, sandbox: null, scheduler: false });
});

afterAll(async () => {
  await app?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('simplefin token', () => {
  let id: string;
  let accessUrl: string;

  it('create prints a setup token once that an app claims for the chosen accounts only', async () => {
    const r = await runCliInProcess(
      [
        'simplefin',
        'token',
        'create',
        '--name',
        'Actual Budget',
        '--account',
        'everyday checking',
        '--url',
        app.url,
      ],
      env,
    );
    expect(r.stderr).toMatch(
      /setup token for "Actual Budget" \(id [0-9a-f-]{36}\): paste it into the app; it works once/,
    );
    expect(r.code).toBe(0);
    const setupToken = r.stdout.trim();
    expect(r.stdout).toBe(`${setupToken}\n`);
    id = /\(id ([0-9a-f-]{36})\)/.exec(r.stderr)![1]!;
    accessUrl = (await claim(setupToken)).accessUrl;
    const set = await accountsV1(accessUrl, { balancesOnly: true });
    expect(set.accounts.map((a) => [a.id, a.balance])).toEqual([[checking, '42.00']]);
    await expect(claim(setupToken)).rejects.toMatchObject({ status: 403 });
  });

  it('list shows it in use, its last use, and the refused second claim', async () => {
    const r = await runCliInProcess(['simplefin', 'token', 'list', '--json'], env);
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(row).toMatchObject({
      id,
      name: 'Actual Budget',
      state: 'active',
      accounts: 'Everyday Checking',
      requests: 1,
      refusedClaims: 1,
    });
    expect(row!.lastUsed).toEqual(expect.any(String));
    const text = await runCliInProcess(['simplefin', 'token', 'list'], env);
    expect(text.stdout).toMatch(/claimed again 1×: possible leak/);
  });

  it('revoke ends the access: the app gets 403', async () => {
    const r = await runCliInProcess(['simplefin', 'token', 'revoke', id], env);
    expect(r).toMatchObject({ code: 0, stdout: `revoked ${id}\n` });
    expect((await getAccounts(accessUrl)).status).toBe(403);
    const again = await runCliInProcess(['simplefin', 'token', 'revoke', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no SimpleFIN access/);
  });

  it('says what is missing: the address, an account, a valid expiry', async () => {
    const create = (...args: string[]) =>
      runCliInProcess(['simplefin', 'token', 'create', '--name', 'x', ...args], env);
    const noUrl = await create('--account', 'Visa');
    expect(noUrl).toMatchObject({ code: 1 });
    expect(noUrl.stderr).toMatch(/^error: --url: .*or set PUBLIC_URL/);
    const unknown = await create('--account', 'Nope', '--url', app.url);
    expect(unknown.stderr).toMatch(/--account "Nope" is not a linked account/);
    const badDate = await create('--account', 'Visa', '--url', app.url, '--expires', '2020-01-01');
    expect(badDate.stderr).toMatch(/^error: Expires: must be in the future/);
    const badHours = await create('--account', 'Visa', '--url', app.url, '--refresh-hours', 'soon');
    expect(badHours.stderr).toMatch(/^error: Refresh when older than \(hours\): /);
  });
});

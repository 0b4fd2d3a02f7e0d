/**
 * `sophtron-sync import <config.json>` as a child process, like a cron job runs it: the sandbox as
 * Sophtron, the Firefly fake as Firefly III, a data importer configuration file. It syncs the
 * accounts the file names (linking them with defaults), delivers them, writes the file back with
 * the new Firefly account ids, and exits with the data importer's codes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { main } from '../src/cli/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { openStore } from '../src/store/index.js';
import { startFakeFirefly } from './fakes/firefly.js';
import { runCli, runCliInProcess } from './helpers/cli.js';
import {
  connectSandboxBank,
  sandboxClient,
  sandboxCliEnv,
  sandboxDefaultFamily,
} from './helpers/sandbox-family.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('imports the accounts a data importer file names, twice without doubling, with its exit codes', async () => {
  const sandbox = await startSandbox({ seed: 5, pollsPerStep: 1, bigAccount: false });
  cleanups.push(() => sandbox.close());
  const fake = await startFakeFirefly();
  cleanups.push(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'ff-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const secretKey = Buffer.alloc(32, 5).toString('base64');
  const user = sandbox.users[0]!;

  // A connected bank, as `sophtron-sync connect` leaves it (accounts known, not linked yet).
  const store = await openStore({ dataDir: dir, secretKey });
  const family = await sandboxDefaultFamily(store, sandbox);
  const { providerAccounts } = await connectSandboxBank(store, family.id, sandboxClient(sandbox));
  const [first, second] = providerAccounts;
  await store.close();

  const config = join(dir, 'import.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 3,
      flow: 'sophtron',
      accounts: { [first!.sophtron_account_id]: 0, [second!.sophtron_account_id]: 0 },
      new_accounts: {
        [first!.sophtron_account_id]: { name: 'From the file', type: 'asset', currency: 'USD' },
      },
      date_range: 'partial',
      date_range_number: 20,
      date_range_unit: 'd',
      custom_tag: 'Sophtron %date%',
      duplicate_detection_method: 'cell',
    }),
  );
  const env = sandboxCliEnv(sandbox, dir, {
    SECRET_KEY: secretKey,
    FIREFLY_III_URL: fake.url,
    FIREFLY_III_ACCESS_TOKEN: fake.token,
    LOG_LEVEL: 'silent',
    TIME_ZONE: 'UTC',
  });

  expect(await main(['node', 'sophtron-sync', 'config', 'validate', config])).toBe(0);
  // Accounts this ledger does not know are named in a warning; the file is still valid.
  const stranger = join(dir, 'stranger.json');
  const withStranger = JSON.parse(readFileSync(config, 'utf8')) as { accounts: Record<string, number> };
  withStranger.accounts['no-such-sophtron-account'] = 0;
  writeFileSync(stranger, JSON.stringify(withStranger));
  const checked = await runCliInProcess(['config', 'validate', stranger], env);
  expect(checked.code).toBe(0);
  expect(checked.stdout).toMatch(/valid \(3 account/);
  expect(checked.stderr).toMatch(/warning: .*"no-such-sophtron-account".*unknown to this ledger/);
  expect(checked.stderr).not.toContain(first!.sophtron_account_id);
  const known = await runCliInProcess(['config', 'validate', config], env);
  expect(known.stderr).toBe('');

  const out = join(dir, 'out.json');
  const r1 = await runCli(['import', config, '--save-config', out, '--json'], env);
  expect(r1.code, r1.stderr).toBe(0);
  const summary = JSON.parse(r1.stdout) as {
    delivery: { created: number; accountsCreated: number; failed: number };
    balances: { differenceMinor: number }[];
  };
  expect(summary.delivery.created).toBeGreaterThan(0);
  expect(summary.delivery.accountsCreated).toBe(2);
  expect(summary.balances.every((b) => b.differenceMinor === 0)).toBe(true);
  expect([...fake.accounts.values()].some((a) => a.name === 'From the file')).toBe(true);
  expect(fake.liveGroups().every((g) => /^Sophtron \d{4}-\d{2}-\d{2}$/.test(g.split.tags[0]!))).toBe(true);
  const groups = fake.liveGroups().length;

  const saved = JSON.parse(readFileSync(out, 'utf8')) as { accounts: Record<string, number> };
  expect(Object.values(saved.accounts).every((id) => id > 0)).toBe(true);
  expect(readFileSync(out, 'utf8')).not.toContain(user.accessKey);

  // The same import again: nothing new, nothing doubled; the data importer says 73 (nothing imported).
  fake.resetLog();
  const r2 = await runCliInProcess(['import', out], env);
  expect(r2.code, r2.stderr + r2.stdout).toBe(73);
  // The sync took new balance snapshots, but equal ones: Firefly is asked nothing but its version.
  expect(fake.log.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/about']);
  expect(r2.stdout).toContain(
    'Nothing new to import: Firefly III is already up to date. This is not an error',
  );
  expect(fake.liveGroups()).toHaveLength(groups);

  // Wrong token: no connection (64), one line.
  const r3 = await runCliInProcess(['import', out], { ...env, FIREFLY_III_ACCESS_TOKEN: 'tok-Zq81x' });
  expect(r3.code).toBe(64);
  expect(r3.stderr).toMatch(/access token \(401\)/);
  expect(r3.stderr).not.toContain('tok-Zq81x');
  // Files it cannot use: the data importer's codes, before anything else happens.
  expect(await main(['node', 'sophtron-sync', 'import', join(dir, 'missing.json')])).toBe(65);
  writeFileSync(join(dir, 'bad.json'), '{"version":3,"flow":"sophtron","date_range":"soon"}');
  expect(await main(['node', 'sophtron-sync', 'import', join(dir, 'bad.json')])).toBe(69);
  expect(await main(['node', 'sophtron-sync', 'config', 'validate', join(dir, 'bad.json')])).toBe(69);
  expect(fake.violations).toEqual([]);
});

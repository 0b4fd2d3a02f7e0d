/**
 * `sophtron-sync accounts link|unlink` as a child process against a real ledger file in a tmp
 * DATA_DIR, in command-line mode (credentials from the environment, no web setup).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultFamily } from '../src/store/default-family.js';
import { openStore } from '../src/store/index.js';
import { providerAccount } from './fakes/ledger-store.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'ss-cli-link-'));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  SECRET_KEY: randomBytes(32).toString('base64'),
  SOPHTRON_USER_ID: 'cli-user',
  SOPHTRON_ACCESS_KEY: 'Q0xJLUFDQ0VTUy1LRVk=',
  LOG_LEVEL: 'silent',
};

async function cli(args: string[], extraEnv: Record<string, string | undefined> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...env, ...extraEnv },
      cwd: process.cwd(),
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function withStore<T>(fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const s = await openStore({ dataDir, secretKey: env.SECRET_KEY });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

let familyId = '';
beforeAll(async () => {
  await withStore(async (s) => {
    // The same default family the CLI finds from the environment.
    const f = await ensureDefaultFamily(s, {
      userId: env.SOPHTRON_USER_ID,
      accessKey: env.SOPHTRON_ACCESS_KEY,
      baseUrl: null,
      timeZone: 'UTC',
    });
    familyId = f.id;
    const c = await s.upsertConnection(f.id, {
      userInstitutionId: 'ui-1',
      institutionId: 'inst-1',
      institutionName: 'First Bank',
      status: 'connected',
      countryCode: 'US',
    });
    await s.upsertProviderAccounts(f.id, c.id, [
      providerAccount({ accountId: 'chk', name: 'Checking', type: 'checking' }),
      providerAccount({ accountId: 'card', name: 'Visa', type: 'credit_card', balance: -1947_18 }),
      providerAccount({ accountId: 'mort', name: 'Mortgage', type: 'mortgage' }),
    ]);
  });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('accounts link / unlink (child process)', () => {
  it('links with defaults from the account type, and with every override flag', async () => {
    const a = await cli(['accounts', 'link', 'chk']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(
      /^linked chk → account \S+ "Checking": kind depository, currency USD, balance rule as-reported\n$/,
    );

    const b = await cli(['accounts', 'link', 'card', '--json']);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({
      name: 'Visa',
      kind: 'credit-card',
      currency: 'USD',
      balanceRule: 'owed-positive',
      linked: true,
      reused: false,
    });

    const providerId = await withStore(async (s) => (await s.getProviderAccount(familyId, 'mort'))!.id);
    const c = await cli([
      'accounts',
      'link',
      providerId, // our provider account id works as well as Sophtron's AccountID
      '--kind',
      'investment',
      '--currency',
      'cad',
      '--name',
      'House',
      '--balance-rule',
      'negate',
      '--start-date',
      '2025-12-01',
      '--json',
    ]);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      name: 'House',
      kind: 'investment',
      currency: 'CAD',
      balanceRule: 'negate',
      startDate: '2025-12-01',
      defaults: { kind: 'loan', balanceRule: 'owed-positive' },
    });

    const again = await cli(['accounts', 'link', 'chk']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^error: provider account chk is already linked to account .*; unlink it first\n$/,
    );

    const u = await cli(['accounts', 'unlink', 'card']);
    expect(u.code).toBe(0);
    expect(u.stdout).toMatch(/^unlinked account \S+ "Visa" \(its history is kept\)\n$/);

    await withStore(async (s) => {
      const listed = await s.listProviderAccounts(familyId);
      expect(Object.fromEntries(listed.map((p) => [p.sophtron_account_id, p.account?.kind ?? null]))).toEqual(
        {
          chk: 'depository',
          card: null,
          mort: 'investment',
        },
      );
      // Command-line mode stored the environment's credentials, sealed.
      expect(await s.getCredentials(familyId)).toEqual({
        userId: 'cli-user',
        accessKey: env.SOPHTRON_ACCESS_KEY,
        baseUrl: null,
      });
    });
  });

  it('bad flags and unknown accounts give one clear line naming the problem', async () => {
    const results = await Promise.all([
      cli(['accounts', 'link', 'chk', '--kind', 'savings']),
      cli(['accounts', 'link', 'chk', '--balance-rule', 'abs']),
      cli(['accounts', 'link', 'chk', '--currency', 'dollars']),
      cli(['accounts', 'link', 'chk', '--start-date', '2025-02-30']),
      cli(['accounts', 'link', 'nope']),
      cli(['accounts', 'unlink', 'nope']),
    ]);
    const lines = results.map((r) => {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      return r.stderr.trimEnd();
    });
    expect(lines).toEqual([
      'error: --kind: must be one of depository, credit-card, investment, loan (got "savings")',
      'error: --balance-rule: must be one of as-reported, negate, owed-positive (got "abs")',
      'error: --currency: must be a 3-letter ISO 4217 code such as USD (got "dollars")',
      'error: --start-date: must be a date YYYY-MM-DD (got "2025-02-30")',
      'error: no provider account "nope" (see: sophtron-sync accounts list)',
      'error: no account or provider account "nope"',
    ]);
  });

  it('without credentials says how to get them; a generated key is announced once', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ss-cli-empty-'));
    try {
      const noCreds = {
        DATA_DIR: empty,
        SECRET_KEY: undefined,
        SOPHTRON_USER_ID: undefined,
        SOPHTRON_ACCESS_KEY: undefined,
      };
      const first = await cli(['accounts', 'unlink', 'x'], noCreds);
      expect(first.code).toBe(1);
      expect(first.stderr).toContain('note: generated a secret key in');
      expect(first.stderr).toContain(
        'error: no Sophtron credentials: set SOPHTRON_USER_ID and SOPHTRON_ACCESS_KEY, or run `sophtron-sync sandbox` to get test ones',
      );
      const second = await cli(['accounts', 'unlink', 'x'], noCreds);
      expect(second.stderr).not.toContain('generated');
      // The wrong key for existing data is refused with the documented message.
      const wrong = await cli(['accounts', 'unlink', 'x'], {
        ...noCreds,
        SECRET_KEY: randomBytes(32).toString('hex'),
      });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/^error: SECRET_KEY does not match the key this data was encrypted with/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

/**
 * `sophtron-sync accounts link|unlink` as a child process against a real ledger file in a tmp
 * DATA_DIR, in command-line mode (credentials from the environment, no web setup).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MFA_BANK_ID, startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { connectBank } from '../src/sophtron/connect.js';
import { openStore } from '../src/store/index.js';
import { providerAccount } from './fakes/ledger-store.js';
import { runCli, runCliInProcess, type CliEnv } from './helpers/cli.js';
import { sandboxClient, sandboxDefaultFamily } from './helpers/sandbox-family.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ss-cli-link-'));
let sandbox: RunningSandbox;
// Every child talks to the local sandbox only (never an outside host).
const env: Record<string, string | undefined> = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  SECRET_KEY: randomBytes(32).toString('base64'),
  SOPHTRON_RETRY_BUDGET_MS: '0',
  LOG_LEVEL: 'silent',
};

const cli = (args: string[], extraEnv: CliEnv = {}) => runCli(args, { ...env, ...extraEnv });
/** In this process: for cases that need no process of their own (each start costs). */
const inProcess = (args: string[], extraEnv: CliEnv = {}) => runCliInProcess(args, { ...env, ...extraEnv });

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
  sandbox = await startSandbox({ port: 0, seed: 5, pollsPerStep: 1 });
  env.SOPHTRON_USER_ID = sandbox.users[0]!.userId;
  env.SOPHTRON_ACCESS_KEY = sandbox.users[0]!.accessKey;
  env.SOPHTRON_BASE_URL = sandbox.baseUrl;
  await withStore(async (s) => {
    // The same default family the CLI finds from the environment.
    const f = await sandboxDefaultFamily(s, sandbox);
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
afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('accounts link / unlink (child process)', () => {
  it('links with defaults from the account type, and with every override flag', async () => {
    const providerId = await withStore(async (s) => (await s.getProviderAccount(familyId, 'mort'))!.id);
    // Three processes at once on one database file (they wait for each other's writes).
    const [a, b, c] = await Promise.all([
      cli(['accounts', 'link', 'chk']),
      cli(['accounts', 'link', 'card', '--json']),
      cli([
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
      ]),
    ]);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(
      /^linked chk → account \S+ "Checking": kind depository, currency USD, balance rule as-reported\n$/,
    );

    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({
      name: 'Visa',
      kind: 'credit-card',
      currency: 'USD',
      balanceRule: 'owed-positive',
      linked: true,
      reused: false,
    });

    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      name: 'House',
      kind: 'investment',
      currency: 'CAD',
      balanceRule: 'negate',
      startDate: '2025-12-01',
      defaults: { kind: 'loan', balanceRule: 'owed-positive' },
    });

    const again = await inProcess(['accounts', 'link', 'chk']);
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
        userId: env.SOPHTRON_USER_ID,
        accessKey: env.SOPHTRON_ACCESS_KEY,
        baseUrl: sandbox.baseUrl,
      });
    });
  });

  it('accounts ledger shows linked and unlinked provider accounts', async () => {
    const j = await cli(['accounts', 'ledger', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const rows = JSON.parse(j.stdout) as {
      sophtronAccountId: string;
      balance: string;
      linked: { kind: string } | null;
    }[];
    expect(rows.map((r) => [r.sophtronAccountId, r.linked?.kind ?? null]).sort()).toEqual([
      ['card', null],
      ['chk', 'depository'],
      ['mort', 'investment'],
    ]);
    expect(rows.find((r) => r.sophtronAccountId === 'card')?.balance).toBe('-1947.18');
    const t = await inProcess(['accounts', 'ledger']);
    expect(t.stdout).toMatch(/^AccountID\s+institution\s+name/);
    expect(t.stdout).toMatch(/card\s+First Bank\s+Visa.*not linked/);
    expect(t.stdout).toMatch(/chk\s+First Bank\s+Checking.*Checking \(depository, USD\)/);
  });

  it('bad flags and unknown accounts give one clear line naming the problem', async () => {
    // Two through a child process (exit code, nothing else on stderr or stdout) ...
    const results = await Promise.all([
      cli(['accounts', 'link', 'chk', '--kind', 'savings']),
      cli(['accounts', 'link', 'nope']),
    ]);
    const lines = results.map((r) => {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      return r.stderr.trimEnd();
    });
    expect(lines).toEqual([
      'error: --kind: must be one of depository, credit-card, investment, loan (got "savings")',
      'error: no provider account "nope" (see: sophtron-sync accounts list)',
    ]);
    const more = [
      [
        ['accounts', 'link', 'chk', '--balance-rule', 'abs'],
        'error: --balance-rule: must be one of as-reported, negate, owed-positive (got "abs")',
      ],
      [
        ['accounts', 'link', 'chk', '--currency', 'dollars'],
        'error: --currency: must be a 3-letter ISO 4217 code such as USD (got "dollars")',
      ],
      [
        ['accounts', 'link', 'chk', '--start-date', '2025-02-30'],
        'error: --start-date: must be a date YYYY-MM-DD (got "2025-02-30")',
      ],
      [['accounts', 'link', 'chk', '--name', ' '], 'error: --name: must not be empty'],
      [['accounts', 'unlink', 'nope'], 'error: no account or provider account "nope"'],
      [
        ['accounts', 'update', 'chk'],
        'error: nothing to change: give --kind, --currency, --name, --balance-rule or --start-date',
      ],
      [
        ['accounts', 'update', 'card', '--kind', 'loan'],
        'error: no account or linked provider account "card"',
      ],
    ] as const;
    const upd = await inProcess(['accounts', 'update', 'chk', '--name', 'Bills', '--balance-rule', 'negate']);
    expect(upd).toMatchObject({ code: 0, stderr: '' });
    await withStore(async (st) => {
      expect((await st.getProviderAccount(familyId, 'chk'))?.account).toMatchObject({
        name: 'Bills',
        balance_rule: 'negate',
        kind: 'depository',
      });
    });
    for (const [args, line] of more) {
      const r = await inProcess([...args]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `${line}\n` });
    }
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
      const second = await inProcess(['accounts', 'unlink', 'x'], noCreds);
      expect(second.stderr).not.toContain('generated');
      // The wrong key for existing data is refused with the documented message.
      const wrong = await inProcess(['accounts', 'unlink', 'x'], {
        ...noCreds,
        SECRET_KEY: randomBytes(32).toString('hex'),
      });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/^error: SECRET_KEY does not match the key this data was encrypted with/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('link reads accounts connected elsewhere from Sophtron first; ledger --refresh too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-cli-refresh-'));
    try {
      const api = sandboxClient(sandbox);
      const done = await connectBank(
        api,
        { institutionId: NO_MFA_BANK_ID, username: 'asdf', password: 'asdf' },
        { pollIntervalMs: 1, maxPollIntervalMs: 5, timeoutMs: 20_000 },
      );
      expect(done.outcome).toBe('connected');
      const remote = await api.listAccounts(done.userInstitutionId);
      const fresh = { DATA_DIR: dir };
      const before = await inProcess(['accounts', 'ledger'], fresh);
      expect(before.stdout).toMatch(/^no provider accounts in the ledger yet/);
      const link = await cli(['accounts', 'link', remote[0]!.accountId, '--json'], fresh);
      expect(link.code, link.stderr).toBe(0);
      const r = await inProcess(['accounts', 'ledger', '--refresh', '--json'], fresh);
      expect(r.code, r.stderr).toBe(0);
      const rows = JSON.parse(r.stdout) as {
        sophtronAccountId: string;
        institution: string;
        linked: unknown;
      }[];
      expect(rows.map((x) => x.sophtronAccountId).sort()).toEqual(remote.map((a) => a.accountId).sort());
      expect(rows.filter((x) => x.linked !== null).map((x) => x.sophtronAccountId)).toEqual([
        remote[0]!.accountId,
      ]);
      expect(rows[0]!.institution).not.toBe(NO_MFA_BANK_ID); // the institution's name was read
      // The live listing (Sophtron) marks which accounts the ledger syncs.
      const live = await inProcess(['accounts', 'list', '--json'], fresh);
      expect(live.code, live.stderr).toBe(0);
      const liveRows = JSON.parse(live.stdout) as { accountId: string; linked: { kind: string } | null }[];
      expect(liveRows.filter((x) => x.linked).map((x) => x.accountId)).toEqual([remote[0]!.accountId]);
      // The calls were counted against the CLI family's monthly usage.
      const s = await openStore({ dataDir: dir, secretKey: env.SECRET_KEY });
      try {
        const [family] = await s.listFamilies();
        expect(await s.monthTotal(family!.id)).toBeGreaterThanOrEqual(3);
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

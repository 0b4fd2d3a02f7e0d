/**
 * `sophtron-sync connect` as a person uses it: the CLI runs as a child process against a sandbox
 * started here, and this test answers each prompt through stdin as it appears.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { call } from '../src/sandbox/test-helpers.js';
import { cliArgs, REPO_ROOT } from './helpers/cli-process.js';

let sandbox: RunningSandbox;
let dataDir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 11, pollsPerStep: 1 });
  dataDir = mkdtempSync(join(tmpdir(), 'cli-connect-'));
});
afterAll(async () => {
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  answered: string[];
}

/**
 * Runs the CLI; each time stderr shows a prompt matching a rule, the rule's answer is typed
 * (null: the input ends there, as when a script runs out of answers).
 */
function runCli(
  args: string[],
  rules: [RegExp, string | null][],
  env: Record<string, string> = {},
): Promise<Run> {
  const user = sandbox.users[0]!;
  const child = spawn(process.execPath, cliArgs(args), {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SOPHTRON_BASE_URL: sandbox.baseUrl,
      SOPHTRON_USER_ID: user.userId,
      SOPHTRON_ACCESS_KEY: user.accessKey,
      SOPHTRON_JOB_POLL_MS: '20',
      // The test banks' history starts 2021-01-01: read it all (the default limit is 730 days).
      SOPHTRON_HISTORY_DAYS: '3660',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let seen = 0;
  const answered: string[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // Prompts are "? <question> " at the end of stderr; answer each new one once.
    const prompts = [...stderr.matchAll(/^\? (.+?) ?$/gm)].map((m) => m[1]!);
    while (seen < prompts.length) {
      const p = prompts[seen++]!;
      const rule = rules.find(([re]) => re.test(p));
      if (!rule) continue;
      answered.push(p);
      if (rule[1] === null) child.stdin.end();
      else child.stdin.write(`${rule[1]}\n`);
    }
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, answered });
    });
  });
}

describe('sophtron-sync connect (child process, answers through stdin)', () => {
  it('connects Sophtron Bank: captcha, question, token method, token', async () => {
    const run = await runCli(
      ['connect', '--institution', 'Sophtron Bank'],
      [
        [/^User ID:/, 'asdfg12X'],
        [/^Password:/, 'asdfg12X'],
        [/^Characters in the captcha image:/, 'asdf'],
        [/favorite color/, 'blue'],
        [/^number 1-2:/, '1'],
        [/^Token the bank sent you:/, '123456'],
      ],
    );
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    expect(run.answered).toHaveLength(6);
    const captcha = /The captcha image is in (\S+\.png)/.exec(run.stderr)?.[1];
    expect(captcha).toBeDefined();
    expect(existsSync(captcha!)).toBe(true);
    expect(readFileSync(captcha!).subarray(0, 4).toString('hex')).toBe('89504e47');
    rmSync(captcha!, { force: true });
    expect(run.stderr).toContain('Where should the bank send the code?');
    expect(run.stderr).toMatch(/waiting for the bank/);
    expect(run.stdout).toMatch(
      /^connected to Sophtron Bank \(connection [0-9a-f-]+\): \d+ accounts? found$/m,
    );
    expect(run.stdout).toContain('Primary Checking');
    // The bank password never shows anywhere.
    expect(`${run.stdout}${run.stderr}`).not.toContain('asdfg12X\n');

    const connectionId = /\(connection ([0-9a-f-]+)\)/.exec(run.stdout)![1]!;
    const accountId = sandbox.control.connections().find((c) => c.userInstitutionId === connectionId)!
      .accounts[0]!.accountId;
    const [listed, accounts, txs] = await Promise.all([
      runCli(['connections', '--json'], []),
      runCli(['accounts', '--connection', connectionId, '--json'], []),
      runCli(
        ['transactions', '--account', accountId, '--from', '2021-01-01', '--to', '2021-03-31', '--json'],
        [],
      ),
    ]);
    expect(listed.code).toBe(0);
    // Sophtron has nothing after tomorrow: such a range is refused before any call.
    const future = await runCli(['transactions', '--account', accountId, '--to', '3000-01-01'], []);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(
      /^error: --to 3000-01-01 is after tomorrow \(\d{4}-\d{2}-\d{2}\): Sophtron has nothing later\n$/,
    );
    const rows = JSON.parse(listed.stdout) as { id: string; institution: string; status: string }[];
    expect(rows).toContainEqual(
      expect.objectContaining({ id: connectionId, institution: 'Sophtron Bank', status: 'connected' }),
    );
    expect(accounts.code).toBe(0);
    expect((JSON.parse(accounts.stdout) as { accountId: string }[]).map((a) => a.accountId)).toContain(
      accountId,
    );
    expect(txs.code).toBe(0);
    const truth = sandbox.control
      .transactions(accountId)
      .filter((t) => t.date >= '2021-01-01' && t.date <= '2021-03-31');
    const got = JSON.parse(txs.stdout) as { transactionId: string; amount: number }[];
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((t) => t.transactionId).sort()).toEqual(truth.map((t) => t.transactionId).sort());
  });

  it('--verification: the bank asks to choose one account; a piped number picks it', async () => {
    const run = await runCli(
      ['connect', '--institution', 'Sophtron Bank NoMFA', '--verification'],
      [
        [/^User ID:/, 'asdf'],
        [/^Password:/, 'asdf'],
        [/^number 1-\d+:/, '2'],
      ],
    );
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    expect(run.answered).toHaveLength(3);
    expect(run.stderr).toContain('The bank asks to choose an account.');
    expect(run.stderr).toContain('Which account?');
    // The choices show names with the masked number only.
    expect(run.stderr).toMatch(/^ {2}\d\) Primary Checking \(xxx1234\)$/m);
    expect(run.stdout).toMatch(/^connected to Sophtron Bank NoMFA \(connection [0-9a-f-]+\)/m);
    const connectionId = /\(connection ([0-9a-f-]+)\)/.exec(run.stdout)![1]!;
    const picks = sandbox.control
      .requestLog()
      .filter((e) => e.endpoint === 'UserInstitutionAccount/GetFullAccountNumberWithinJob');
    expect(picks.at(-1)).toMatchObject({ status: 200 });
    // The full account numbers the sandbox holds for this connection are never printed.
    const raw = await call(
      sandbox.baseUrl,
      sandbox.users[0]!,
      'POST',
      'UserInstitution/GetUserInstitutionAccounts',
      {
        UserInstitutionID: connectionId,
      },
    );
    const full: string[] = raw.json.map((a: { FullAccountNumber: string }) => a.FullAccountNumber);
    expect(full.length).toBeGreaterThan(1);
    for (const n of full) expect(`${run.stdout}${run.stderr}`).not.toContain(n);
  });

  it("a wrong password ends non-zero with one line carrying Sophtron's message (JSON too)", async () => {
    const run = await runCli(
      ['connect', '--institution', '926623ca-5952-4921-8f77-2023f1cdde8e', '--username', 'asdf', '--json'],
      [[/^Password:/, 'wrong']],
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'error: the bank connection failed: Invalid credentials',
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: 'failed',
      message: 'Invalid credentials',
      accounts: [],
    });
  });

  it('answers that run out leave the connection needing attention (recorded), with the command that fixes it', async () => {
    const run = await runCli(
      ['connect', '--institution', 'Sophtron Bank SecurityQuestion', '--username', 'asdf'],
      [
        [/^Password:/, 'asdf'],
        [/favorite color/, null],
      ],
    );
    expect(run.code).toBe(1);
    const id = /connections refresh ([0-9a-f-]+)`$/m.exec(run.stderr)?.[1];
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      `error: the bank needs your attention: The bank asks for a security answer; answer it with \`sophtron-sync connections refresh ${id}\``,
    );
    const listed = await runCli(['connections', '--json'], []);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({
        id,
        institution: 'Sophtron Bank SecurityQuestion',
        status: 'needs_attention',
      }),
    );

    // Another ledger knows none of these connections: Sophtron's ids are turned into names.
    const otherDir = mkdtempSync(join(tmpdir(), 'cli-other-'));
    const other = await runCli(['connections', '--json'], [], { DATA_DIR: otherDir });
    rmSync(otherDir, { recursive: true, force: true });
    expect(JSON.parse(other.stdout)).toContainEqual(
      expect.objectContaining({
        id,
        institution: 'Sophtron Bank SecurityQuestion',
        status: 'not in the ledger',
      }),
    );
  });

  it('the TokenRead bank prints the code and waits for Enter', async () => {
    const run = await runCli(
      ['connect', '--institution', 'Sophtron Bank TokenRead', '--username', 'asdf', '--json'],
      [
        [/^Password:/, 'asdf'],
        [/^approve on your device, then press Enter/, ''],
      ],
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/The code to check on your device: \S+/);
    const out = JSON.parse(run.stdout) as { outcome: string; accounts: unknown[] };
    expect(out.outcome).toBe('connected');
    expect(out.accounts.length).toBeGreaterThan(0);
  });

  it('a non-base64 Access Key is one clear line, before any call', async () => {
    const before = sandbox.control.requestLog().length;
    const badDir = mkdtempSync(join(tmpdir(), 'cli-badkey-'));
    const run = await runCli(['institutions', 'search', 'bank'], [], {
      SOPHTRON_ACCESS_KEY: 'not base64 at all!',
      DATA_DIR: badDir,
    });
    rmSync(badDir, { recursive: true, force: true });
    // Like any bad setting: exit 2, naming the variable (never echoing the secret).
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^ {2}- SOPHTRON_ACCESS_KEY: must be the base64 text the Sophtron dashboard shows/,
    );
    expect(run.stderr).not.toContain('not base64 at all!');
    expect(sandbox.control.requestLog().length).toBe(before);
  });
});

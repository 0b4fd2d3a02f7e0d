/**
 * `sophtron-sync sync` (main() in this process): a real ledger file in a tmp DATA_DIR, credentials
 * from the environment, the sandbox as Sophtron. A run prints a line per account (or the JSON
 * summary) and exits non-zero naming each failed account and why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openStore } from '../src/store/index.js';
import { runCliInProcess } from './helpers/cli.js';
import {
  connectSandboxBank,
  sandboxClient,
  sandboxCliEnv,
  sandboxDefaultFamily,
} from './helpers/sandbox-family.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ss-cli-sync-'));
let sandbox: RunningSandbox;
let env: Record<string, string | undefined> = {};
const accountNames: string[] = [];

const cli = (args: string[]) => runCliInProcess(args, env);

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, pollsPerStep: 1, bigAccount: false });
  env = sandboxCliEnv(sandbox, dataDir, {
    SOPHTRON_RETRY_BUDGET_MS: '300',
    // A refresh takes a few 5 ms polls; the limit only ends a job that went wrong, also on a loaded machine.
    SOPHTRON_JOB_TIMEOUT_MS: '30000',
    LOG_LEVEL: 'silent',
  });
  const store = await openStore({ dataDir, secretKey: env.SECRET_KEY! });
  try {
    const family = await sandboxDefaultFamily(store, sandbox);
    const { providerAccounts } = await connectSandboxBank(store, family.id, sandboxClient(sandbox), {
      jobOptions: { pollIntervalMs: 1 },
    });
    for (const pa of providerAccounts)
      accountNames.push((await store.linkAccount(family.id, pa.id)).account.name);
  } finally {
    await store.close();
  }
}, 60_000);

let hook: Server | undefined;
afterAll(async () => {
  await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sophtron-sync sync', () => {
  it('prints a line per account and a summary, then JSON with --json', async () => {
    const text = await cli(['sync', '--no-refresh']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    for (const name of accountNames)
      expect(text.stdout).toMatch(new RegExp(`^ok  ${name}  \\d{4}-\\d{2}-\\d{2}\\.\\.`, 'm'));
    expect(text.stdout).toMatch(/^sync succeeded: \d+ new/m);

    const json = await cli(['sync', '--json', '--account', accountNames[0]!]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      outcome: string;
      accounts: { accountName: string; counts: { new: number } }[];
    };
    expect(result.outcome).toBe('succeeded');
    expect(result.accounts.map((a) => a.accountName)).toEqual([accountNames[0]]);
    expect(result.accounts[0]!.counts.new).toBe(0);
  });

  it('refuses an unknown account with one line', async () => {
    const unknown = await cli(['sync', '--account', 'No Such Account']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/^error: --account "No Such Account" is not a linked account; linked: /);
  });

  it('exits non-zero with one line per failed account naming it and why', async () => {
    sandbox.control.scriptFault({
      endpoint: 'GetTransactionsByTransactionDate',
      kind: '503',
      count: 100_000,
    });
    try {
      const r = await cli(['sync', '--no-refresh']);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(accountNames.length);
      // A 300 ms budget may or may not leave room for a jittered retry: the message says which.
      for (const name of accountNames) {
        expect(
          lines.some(
            (l) =>
              l ===
                `error: ${name}: Sophtron failed the transactions call (HTTP 503) and the retry budget ran out` ||
              l ===
                `error: ${name}: Sophtron failed the transactions call (HTTP 503); not retried (SOPHTRON_RETRY_BUDGET_MS is too short for a retry)`,
          ),
          name,
        ).toBe(true);
      }
    } finally {
      sandbox.control.clearFaults();
    }
  });

  it('a bank that refuses the login: needs attention, a partial run, exit 1 naming the login, one notification', async () => {
    const received: { event: string; title: string; message: string }[] = [];
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as { event: string; title: string; message: string });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    expect((await cli(['notify', 'add', 'webhook', '--name', 'hook', '--url', url])).code).toBe(0);
    const [login] = sandbox.control.connections();

    for (let i = 0; i < 2; i++) {
      sandbox.control.failNext(login!.userInstitutionId, 'fail');
      const r = await cli(['sync']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^sync partial: /m);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual([
        `error: ${login!.institutionName} (${[...accountNames].sort().join(', ')}): The bank refused the login: Invalid credentials; ` +
          `give Sophtron the new login with \`sophtron-sync connections update ${login!.userInstitutionId}\``,
      ]);
    }
    const store = await openStore({ dataDir, secretKey: env.SECRET_KEY! });
    try {
      const [connection] = await store.db.selectFrom('connections').selectAll().execute();
      expect(connection).toMatchObject({
        status: 'needs_attention',
        status_reason: 'The bank refused the login: Invalid credentials',
      });
    } finally {
      await store.close();
    }
    // Two runs, one incident: one message.
    expect(received.map((m) => m.event)).toEqual(['needs_attention']);
    expect(received[0]!.title).toBe(`${login!.institutionName} needs your attention`);
    expect(received[0]!.message).toMatch(/The bank refused the login: Invalid credentials/);
  });
});

/**
 * Commands that call Sophtron check the month's budget first (the real CLI's main(), a real ledger
 * file, the sandbox as Sophtron): a request that does not fit what is left is refused with the
 * figures and exit code 75, `--over-budget` goes on, and every call lands in the usage row. A start
 * before the bank's history limit (SOPHTRON_HISTORY_DAYS) reads from the limit and says so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, calendarDateIn } from '../src/dates.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openStore } from '../src/store/index.js';
import { REFRESH_CALLS_PER_LOGIN } from '../src/sync/estimate.js';
import { startFakeFirefly } from './fakes/firefly.js';
import { runCliInProcess } from './helpers/cli.js';
import { fidiImportOf } from './helpers/fidi-config.js';
import {
  connectSandboxBank,
  sandboxClient,
  sandboxCliEnv,
  sandboxDefaultFamily,
} from './helpers/sandbox-family.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ss-cli-budget-'));
const BUDGET = 1_000;
let sandbox: RunningSandbox;
let env: Record<string, string | undefined> = {};
let familyId = '';
let sophtronAccountId = '';

const cli = (args: string[]) => runCliInProcess(args, env);

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir, secretKey: env.SECRET_KEY! });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
const used = () => withStore((s) => s.instanceMonthTotal());
/** Seeds the usage row so that `left` calls are left of the budget. */
const leave = (left: number) =>
  withStore(async (s) =>
    s.incrementUsage(familyId, 'seeded', BUDGET - left - (await s.instanceMonthTotal())),
  );

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, pollsPerStep: 1, bigAccount: false });
  env = sandboxCliEnv(sandbox, dataDir, {
    SOPHTRON_MONTHLY_BUDGET: String(BUDGET),
    SOPHTRON_JOB_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'silent',
  });
  await withStore(async (store) => {
    const family = await sandboxDefaultFamily(store, sandbox);
    familyId = family.id;
    const { providerAccounts } = await connectSandboxBank(store, family.id, sandboxClient(sandbox), {
      jobOptions: { pollIntervalMs: 1 },
    });
    await store.linkAccount(family.id, providerAccounts[0]!.id);
    sophtronAccountId = providerAccounts[0]!.sophtron_account_id;
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the monthly budget on the command line', () => {
  it('refuses a sync that does not fit with the figures, goes on with --over-budget, counts the calls', async () => {
    await leave(3);
    const refused = await cli(['sync']);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toMatch(
      /^error: this sync would use about (\d+) Sophtron calls; 3 of the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of 1,000 are left \(used 997 this month\); add --over-budget to go on\n$/,
    );
    expect(await used()).toBe(BUDGET - 3);

    const estimate = Number(/about (\d+) Sophtron calls/.exec(refused.stderr)![1]);
    const ran = await cli(['sync', '--over-budget', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout) as { sophtronCalls: number };
    // The estimate is honest: about what the run spent (the refresh job's polls vary a little).
    expect(result.sophtronCalls).toBeGreaterThan(3);
    expect(result.sophtronCalls).toBeLessThanOrEqual(estimate);
    expect(result.sophtronCalls).toBeGreaterThanOrEqual(estimate - REFRESH_CALLS_PER_LOGIN);
    expect(await used()).toBe(BUDGET - 3 + result.sophtronCalls);
  });

  it("refuses with the family's own budget when that is what binds", async () => {
    await withStore(async (s) => {
      await s.db
        .insertInto('schedules')
        .values({
          family_id: familyId,
          enabled: 0,
          cron: '17 5 * * *',
          monthly_budget: (await s.monthTotal(familyId)) + 1,
          last_run_at: null,
          last_outcome: null,
          last_message: null,
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        })
        .execute();
    });
    try {
      const refused = await runCliInProcess(['sync', '--no-refresh'], {
        ...env,
        SOPHTRON_MONTHLY_BUDGET: '1000000',
      });
      expect(refused.code).toBe(75);
      expect(refused.stderr).toMatch(
        /^error: this sync would use about 2 Sophtron calls; 1 of the family's monthly budget of [\d,]+ are left \(used [\d,]+ this month\)/,
      );
    } finally {
      await withStore((s) => s.db.deleteFrom('schedules').where('family_id', '=', familyId).execute());
    }
  });

  it('refuses a transactions read over the budget and counts each window read', async () => {
    const budget = await withStore(async (s) => {
      // Room for everything used so far plus 1 call.
      return (await s.instanceMonthTotal()) + 1;
    });
    const local = { ...env, SOPHTRON_MONTHLY_BUDGET: String(budget), SOPHTRON_WINDOW_DAYS: '30' };
    const today = calendarDateIn(new Date(), 'UTC');
    const from = addDays(today, -119); // 120 days: 4 windows of 30
    const args = ['transactions', '--account', sophtronAccountId, '--from', from, '--json'];
    const refused = await runCliInProcess(args, local);
    expect(refused.code, refused.stderr).toBe(75);
    expect(refused.stderr).toMatch(
      /^error: this read would use about 4 Sophtron calls; 1 of the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of [\d,]+ are left/,
    );
    const before = await used();
    const ran = await runCliInProcess([...args, '--over-budget'], local);
    expect(ran.code, ran.stderr).toBe(0);
    expect(await used()).toBe(before + 4);
  });

  it('refuses an import whose sync does not fit (exit 75); --no-sync and --over-budget go on', async () => {
    const firefly = await startFakeFirefly();
    try {
      const file = join(dataDir, 'import.json');
      writeFileSync(file, fidiImportOf(sophtronAccountId));
      const budget = (await used()) + 1;
      const local = {
        ...env,
        SOPHTRON_MONTHLY_BUDGET: String(budget),
        FIREFLY_III_URL: firefly.url,
        FIREFLY_III_ACCESS_TOKEN: firefly.token,
      };
      const refused = await runCliInProcess(['import', file], local);
      expect(refused.code).toBe(75);
      expect(refused.stderr).toMatch(
        /error: this import would use about \d+ Sophtron calls; 1 of the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of [\d,]+ are left \(used [\d,]+ this month\); add --over-budget to go on\n$/,
      );
      expect(await used()).toBe(budget - 1);
      const noSync = await runCliInProcess(['import', file, '--no-sync', '--json'], local);
      expect([0, 73], noSync.stderr).toContain(noSync.code);
      expect(await used()).toBe(budget - 1);
      const ran = await runCliInProcess(['import', file, '--over-budget', '--json'], local);
      expect([0, 73], ran.stderr).toContain(ran.code);
      expect(await used()).toBeGreaterThan(budget - 1);
    } finally {
      await firefly.stop();
    }
  });

  it('reads from the history limit, not from 1900, and spends about what that window costs', async () => {
    const local = { ...env, SOPHTRON_MONTHLY_BUDGET: '1000000' };
    const ran = await runCliInProcess(['sync', '--from', '1900-01-01', '--json'], local);
    expect(ran.code, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout) as {
      notes: string[];
      sophtronCalls: number;
      accounts: { window: { from: string } }[];
    };
    const earliest = addDays(calendarDateIn(new Date(), 'UTC'), -730);
    expect(result.accounts[0]!.window.from).toBe(earliest);
    expect(result.notes).toContain(
      `--from 1900-01-01 is before the bank's history limit (SOPHTRON_HISTORY_DAYS = 730 days); reading from ${earliest}`,
    );
    // 730 days in 90-day reads: a first part of 14 days, then 8 parts; an account read; the refresh job.
    expect(result.sophtronCalls).toBeGreaterThanOrEqual(10);
    expect(result.sophtronCalls).toBeLessThan(40);

    const old = await runCliInProcess(
      ['transactions', '--account', sophtronAccountId, '--to', '2001-01-01'],
      local,
    );
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/^error: --to 2001-01-01 is before the bank's history limit \(/);

    // An account's start date: before the limit it becomes the limit, in the future it is refused.
    const updated = await runCliInProcess(
      ['accounts', 'update', sophtronAccountId, '--start-date', '1900-01-01', '--json'],
      local,
    );
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stderr).toBe(
      `note: --start-date 1900-01-01 is before the bank's history limit (SOPHTRON_HISTORY_DAYS = 730 days); the account reads from ${earliest}\n`,
    );
    expect((JSON.parse(updated.stdout) as { startDate: string }).startDate).toBe(earliest);
    const future = await runCliInProcess(
      ['accounts', 'update', sophtronAccountId, '--start-date', '3000-01-01'],
      local,
    );
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/^error: --start-date: must not be in the future \(today is /);
  });
});

/**
 * SimpleFIN over a ledger the real sync engine filled from the real sandbox:
 * - a pending transaction that posts under a new Sophtron id keeps ONE SimpleFIN id (the ledger
 *   row's), so a client that matches by id sees an update, not a second transaction;
 * - "refresh when older than N hours" starts a sync through the one sync entry point (recorded
 *   with trigger `simplefin`), not again while the last sync is recent, and not past the budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { addDays } from '../src/dates.js';
import { createLogger } from '../src/log.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { createSetupToken } from '../src/simplefin/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { syncFamily } from '../src/sync/run.js';
import { startApp, type StartedApp } from '../src/web/start.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';
import { accountsV1, claim, getAccounts } from './helpers/simplefin-client.js';

const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };

let sandbox: RunningSandbox;
let dir: string;
let store: Store;
let app: StartedApp;
let familyId: string;
let accountId: string;
let sophtronAccountId: string;
const config = loadConfig({
  SYNC_START_DAYS: '30',
  LOG_LEVEL: 'silent',
  PORT: '0',
  HOST: '127.0.0.1',
  SOPHTRON_JOB_POLL_MS: '5',
  SIMPLEFIN_REFRESH_WAIT_SECONDS: '50',
});

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 15, pollsPerStep: 1, bigAccount: false });
  dir = mkdtempSync(join(tmpdir(), 'ss-simplefin-sandbox-'));
  store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 5).toString('base64') });
  familyId = (await store.createFamily({ name: 'Sandbox family', timeZone: 'UTC' })).id;
  const user = sandbox.users[0]!;
  await store.saveCredentials(familyId, {
    userId: user.userId,
    accessKey: user.accessKey,
    baseUrl: sandbox.baseUrl,
  });
  const client = sandboxClient(sandbox, { retryBaseDelayMs: 1, maxRetryDelayMs: 5 });
  const { providerAccounts } = await connectSandboxBank(store, familyId, client, { jobOptions: fastJobs });
  const linked = await store.linkAccount(familyId, providerAccounts[0]!.id);
  accountId = linked.account.id;
  sophtronAccountId = providerAccounts[0]!.sophtron_account_id;
  app = await startApp(config, { logger: createLogger('silent'), store, sandbox: null, scheduler: false });
});

afterAll(async () => {
  await app?.stop();
  await store?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sync = (from?: string) =>
  syncFamily(
    {
      store,
      sophtron: sandboxClient(sandbox),
      config,
      clock: () => sandbox.control.now(),
      jobOptions: fastJobs,
    },
    familyId,
    { trigger: 'cli', ...(from ? { from } : {}) },
  );

async function accessUrl(refreshHours: number | null = null): Promise<string> {
  const created = await createSetupToken(store, familyId, {
    name: 'client',
    accountIds: [accountId],
    baseUrl: app.url,
    refreshHours,
  });
  return (await claim(created.setupToken)).accessUrl;
}

describe('a pending transaction that posts', () => {
  it('keeps one SimpleFIN id: the client sees it become posted, never a second transaction', async () => {
    expect((await sync()).outcome).toBe('succeeded');
    const access = await accessUrl();
    const today = sandbox.control.today();
    sandbox.control.addTransaction(sophtronAccountId, {
      date: addDays(today, -5),
      amountCents: -1999,
      description: 'POS PENDING ACME HARDWARE',
      status: 'pending',
    });
    await sync();
    const before = await accountsV1(access, { startDate: 0, pending: true });
    const hold = before.accounts[0]!.transactions!.find(
      (t) => t.description === 'POS PENDING ACME HARDWARE',
    )!;
    expect(hold).toMatchObject({ pending: true, posted: 0, amount: '-19.99' });

    sandbox.control.addTransaction(sophtronAccountId, {
      date: addDays(today, -3),
      amountCents: -1999,
      description: 'ACME HARDWARE #55 SPRINGFIELD',
    });
    const merged = await sync(addDays(today, -4));
    expect(merged.accounts[0]!.counts.merged).toBe(1);
    const after = await accountsV1(access, { startDate: 0, pending: true });
    const txns = after.accounts[0]!.transactions!;
    const same = txns.find((t) => t.id === hold.id)!;
    expect(same).toMatchObject({
      pending: false,
      amount: '-19.99',
      description: 'ACME HARDWARE #55 SPRINGFIELD',
    });
    expect(same.posted).toBeGreaterThan(0);
    expect(txns.filter((t) => t.amount === '-19.99' && /ACME/.test(t.description))).toHaveLength(1);
    expect(new Set(txns.map((t) => t.id)).size).toBe(txns.length);
  });
});

describe('refresh when older than N hours', () => {
  const simplefinRuns = async () => (await store.listRuns(familyId)).filter((r) => r.trigger === 'simplefin');
  const ageEverything = async () => {
    const old = new Date(Date.now() - 48 * 3_600_000).toISOString();
    await store.setAccountSyncState(familyId, accountId, { outcome: 'succeeded', at: old });
    await store.db
      .updateTable('sync_runs')
      .set({ started_at: old })
      .where('family_id', '=', familyId)
      .execute();
  };

  it('a request finding older data starts one sync (trigger simplefin) and is answered after it', async () => {
    await ageEverything();
    const access = await accessUrl(6);
    const r = await getAccounts(access, { balancesOnly: true });
    expect(r.status).toBe(200);
    const runs = await simplefinRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.outcome).toBe('succeeded');
    const account = await store.getAccount(familyId, accountId);
    expect(Date.parse(account!.last_sync_at!)).toBeGreaterThan(Date.now() - 3_600_000);
    // Fresh now: the next request serves the ledger without a sync.
    expect((await getAccounts(access, { balancesOnly: true })).status).toBe(200);
    expect(await simplefinRuns()).toHaveLength(1);
  });

  it("past the month's Sophtron budget: no sync, and x-api-message says why", async () => {
    await ageEverything();
    await store.incrementUsage(familyId, 'test', config.sophtronMonthlyBudget);
    const access = await accessUrl(6);
    const r = await getAccounts(access, { balancesOnly: true });
    expect(r.status).toBe(200);
    expect((r.json as { 'x-api-message': string[] })['x-api-message'].join(' ')).toMatch(/budget/);
    expect(await simplefinRuns()).toHaveLength(1);
  });
});

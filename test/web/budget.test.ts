/**
 * The month's Sophtron budget in the web application and the JSON API (the sandbox as Sophtron):
 * "Sync now" and POST /api/sync are refused with the figures when the sync does not fit what is
 * left, go on when the person says so, and every call is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, calendarDateIn } from '../../src/dates.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { startFakeFirefly, type FakeFirefly } from '../fakes/firefly.js';
import { fidiImportOf } from '../helpers/fidi-config.js';
import { connectSandboxBank, sandboxClient } from '../helpers/sandbox-family.js';
import { Client, createHarness, setupFirstUser, type Harness } from './harness.js';

const BUDGET = 500;
const AUTO_SECRET = 'a-long-auto-import-secret';
let sandbox: RunningSandbox;
let h: Harness;
let alice: Client;
let familyId = '';
let token = '';
let sophtronAccountId = '';
let firefly: FakeFirefly;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, pollsPerStep: 1, seed: 9, bigAccount: false });
  const user = sandbox.users[0]!;
  h = await createHarness({
    env: {
      SOPHTRON_MONTHLY_BUDGET: String(BUDGET),
      SOPHTRON_JOB_POLL_MS: '5',
      AUTO_IMPORT_SECRET: AUTO_SECRET,
    },
  });
  alice = await setupFirstUser(h.app);
  const row = await h.store.db.selectFrom('web_users').selectAll().executeTakeFirstOrThrow();
  familyId = row.family_id;
  await h.store.saveCredentials(familyId, {
    userId: user.userId,
    accessKey: user.accessKey,
    baseUrl: sandbox.baseUrl,
  });
  const { providerAccounts } = await connectSandboxBank(h.store, familyId, sandboxClient(sandbox), {
    jobOptions: { pollIntervalMs: 1 },
  });
  await h.store.linkAccount(familyId, providerAccounts[0]!.id);
  sophtronAccountId = providerAccounts[0]!.sophtron_account_id;
  firefly = await startFakeFirefly();
  await h.store.saveFireflySettings(familyId, {
    url: firefly.url,
    token: firefly.token,
  });
  token = await createApiToken(h.store, row.id, 'test');
}, 60_000);

afterAll(async () => {
  await firefly?.stop();
  await h?.close();
  await sandbox?.close();
});

/** Seeds the usage row so that `left` calls are left of the budget. */
async function leave(left: number): Promise<void> {
  await h.store.incrementUsage(familyId, 'seeded', BUDGET - left - (await h.store.instanceMonthTotal()));
}

const apiSync = (body: unknown) =>
  new Client(h.app).request('/api/sync', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function doneOf(started: Response): Promise<{ ok: boolean; redirect: string | null; message: string }> {
  const taskId = /\/sync\/live\/([^/?]+)/.exec(started.headers.get('location') ?? '')![1]!;
  const events = await (await alice.request(`/tasks/${taskId}/events`)).text();
  return JSON.parse(/event: done\ndata: (.+)\n/.exec(events)![1]!) as {
    ok: boolean;
    redirect: string | null;
    message: string;
  };
}

describe('the monthly budget on the web and the API', () => {
  it('POST /api/sync: 409 with the figures, then overBudget: true goes on and its calls are counted', async () => {
    await leave(2);
    const refused = await apiSync({});
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as {
      error: string;
      overBudget: { estimate: number; remaining: number; budget: number; used: number; scope: string };
    };
    expect(body.error).toMatch(
      /^this sync would use about \d+ Sophtron calls; 2 of the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of 500 are left \(used 498 this month\); send "overBudget": true to go on$/,
    );
    expect(body.overBudget).toMatchObject({
      remaining: 2,
      budget: BUDGET,
      used: BUDGET - 2,
      scope: 'instance',
    });
    expect(body.overBudget.estimate).toBeGreaterThan(2);
    expect(await h.store.instanceMonthTotal()).toBe(BUDGET - 2);
    expect(await h.store.db.selectFrom('sync_runs').select('id').execute()).toEqual([]);

    const bad = await apiSync({ overBudget: 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^overBudget: /);

    const ran = await apiSync({ overBudget: true });
    expect(ran.status).toBe(200);
    const { run } = (await ran.json()) as { run: { outcome: string; sophtronCalls: number } };
    expect(run.outcome).toBe('succeeded');
    expect(run.sophtronCalls).toBeGreaterThan(0);
    expect(await h.store.instanceMonthTotal()).toBe(BUDGET - 2 + run.sophtronCalls);
  });

  it('"Sync now" shows the figures and a way to go on; "Sync anyway" syncs', async () => {
    await leave(1);
    await alice.page('/');
    const done = await doneOf(await alice.post('/sync', {}));
    expect(done.ok).toBe(false);
    expect(done.redirect).toMatch(/^\/sync\/over-budget\?/);
    const page = await alice.page(done.redirect!);
    expect(page.html).toMatch(
      /this sync would use about \d+ Sophtron calls; 1 of the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of 500 are left \(used 499 this month\)/,
    );
    expect(page.html).toContain('name="over_budget" value="1"');
    expect(page.html).toContain('Sync anyway');
    const before = await h.store.instanceMonthTotal();
    expect(before).toBe(BUDGET - 1);

    const anyway = await doneOf(await alice.post('/sync', { over_budget: '1' }));
    expect(anyway.ok).toBe(true);
    expect(anyway.redirect).toMatch(/^\/sync\/history\//);
    expect(await h.store.instanceMonthTotal()).toBeGreaterThan(before);
  });
});

describe('imports that sync', () => {
  const fidi = () => fidiImportOf(sophtronAccountId);

  it('POST /api/import and /autoimport: 409 with the figures; ?overBudget=true imports and counts', async () => {
    await leave(1);
    const refused = await new Client(h.app).request('/api/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: fidi(),
    });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: string; overBudget: { remaining: number } };
    expect(body.error).toMatch(
      /^this import would use about \d+ Sophtron calls; 1 of the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of 500 are left \(used 499 this month\); add \?overBudget=true to go on$/,
    );
    expect(body.overBudget.remaining).toBe(1);

    const auto = await new Client(h.app).request('/autoimport', {
      method: 'POST',
      headers: { 'x-auto-import-secret': AUTO_SECRET, 'content-type': 'application/json' },
      body: fidi(),
    });
    expect(auto.status).toBe(409);
    expect(((await auto.json()) as { error: string }).error).toMatch(
      /^this import would use about \d+ Sophtron calls; 1 of/,
    );
    expect(await h.store.instanceMonthTotal()).toBe(BUDGET - 1);

    const ran = await new Client(h.app).request('/api/import?overBudget=true', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: fidi(),
    });
    expect(ran.status, await ran.clone().text()).toBe(200);
    const summary = (await ran.json()) as { sync: { sophtronCalls: number } };
    expect(summary.sync.sophtronCalls).toBeGreaterThan(0);
    expect(await h.store.instanceMonthTotal()).toBe(BUDGET - 1 + summary.sync.sophtronCalls);
  });
});

describe("an account's start date and the bank's history limit", () => {
  it('PATCH /api/accounts/:id reads from the limit, saying so; a future one is a 400 naming the field', async () => {
    const account = (await h.store.listAccounts(familyId))[0]!;
    const patch = (startDate: string) =>
      new Client(h.app).request(`/api/accounts/${account.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ startDate }),
      });
    const earliest = addDays(calendarDateIn(new Date(), 'UTC'), -730);
    const old = await patch('1900-01-01');
    expect(old.status).toBe(200);
    expect(await old.json()).toMatchObject({
      account: { sync_start_date: earliest },
      note: `startDate: 1900-01-01 is before the bank's history limit (SOPHTRON_HISTORY_DAYS = 730 days); the account reads from ${earliest}`,
    });
    const future = await patch('3000-01-01');
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: string }).error).toMatch(
      /^startDate: must not be in the future/,
    );
    expect((await h.store.getAccount(familyId, account.id))!.sync_start_date).toBe(earliest);
  });

  it('the account settings form does the same', async () => {
    const account = (await h.store.listAccounts(familyId))[0]!;
    const fields = {
      name: account.name,
      kind: account.kind,
      currency: account.currency,
      balance_rule: account.balance_rule,
    };
    await alice.page(`/accounts/${account.id}`);
    const earliest = addDays(calendarDateIn(new Date(), 'UTC'), -730);
    const future = await alice.post(`/accounts/${account.id}/settings`, {
      ...fields,
      start_date: '3000-01-01',
    });
    expect(decodeURIComponent(future.headers.get('location')!)).toContain(
      'First day to read: must not be in the future',
    );
    const old = await alice.post(`/accounts/${account.id}/settings`, { ...fields, start_date: '2001-02-03' });
    expect(decodeURIComponent(old.headers.get('location')!)).toContain(
      `2001-02-03 is before the bank's history limit (SOPHTRON_HISTORY_DAYS = 730 days); the account reads from ${earliest}`,
    );
    expect((await h.store.getAccount(familyId, account.id))!.sync_start_date).toBe(earliest);
  });
});

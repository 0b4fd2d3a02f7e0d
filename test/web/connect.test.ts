/** Connecting Sophtron Bank through the real sandbox over HTTP: every MFA step, then linking. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ORDINARY_BANKS,
  startSandbox,
  SOPHTRON_BANK_ID,
  TEST_BANKS,
  TRIGGERS,
  type RunningSandbox,
} from '../../src/sandbox/index.js';
import { ConnectSessions } from '../../src/web/connect/sessions.js';
import { createWebApp } from '../../src/web/server.js';
import { createWebServices } from '../../src/web/wiring.js';
import { createLogger } from '../../src/log.js';
import { until } from '../helpers/until.js';
import type { WebApp } from '../../src/web/context.js';
import {
  createHarness,
  login,
  PASSWORD,
  readSse,
  seqOf,
  setupFirstUser,
  SETUP_CODE,
  waitForState,
  type Harness,
} from './harness.js';

let h: Harness;
let sandbox: RunningSandbox;
let app: WebApp;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, pollsPerStep: 1, seed: 7 });
  h = await createHarness();
  const user = sandbox.users[0]!;
  const info = { baseUrl: sandbox.baseUrl, userId: user.userId, accessKey: user.accessKey };
  app = createWebApp({
    store: h.store,
    config: h.config,
    logger: createLogger('silent'),
    setupCode: SETUP_CODE,
    services: createWebServices(h.store, h.config, info, undefined, {
      syncJobOptions: { pollIntervalMs: 10, maxPollIntervalMs: 20 },
    }),
    connects: new ConnectSessions(h.store, {
      jobTimeoutMs: 60_000,
      pollIntervalMs: 10,
      maxPollIntervalMs: 20,
      watchIntervalMs: 10,
    }),
  });
});
afterAll(async () => {
  await sandbox?.close();
  await h?.close();
});

describe('connect a bank', () => {
  it('searches, logs in, answers captcha, question, token method and token, then links accounts', async () => {
    const alice = await setupFirstUser(app);
    const sandboxBanner = await alice.page('/');
    expect(sandboxBanner.html).toContain('Sandbox mode: no Sophtron credentials are set');

    const search = await alice.request('/connect/institutions?q=Sophtron', {
      headers: { 'hx-request': 'true' },
    });
    const list = await search.text();
    expect(list).toContain(`/connect/bank/${SOPHTRON_BANK_ID}`);

    const form = await alice.page(`/connect/bank/${SOPHTRON_BANK_ID}`);
    // In sandbox mode the bank's form says what the sandbox accepts.
    expect(form.html).toMatch(
      /id="sandbox-login-hint">Sandbox: the test banks \(Sophtron Bank…\) accept asdfg12X \/ asdfg12X/,
    );
    expect(form.html).toContain('Sophtron Bank');
    expect(form.html).toContain('never stores your bank password');
    const start = await alice.post(`/connect/bank/${SOPHTRON_BANK_ID}`, {
      username: 'asdfg12X',
      password: 'asdfg12X',
    });
    expect(start.status).toBe(302);
    const sessionId = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;

    let html = await waitForState(alice, sessionId, /captcha\.png/);
    const img = await alice.request(`/connect/session/${sessionId}/captcha.png?seq=${seqOf(html)}`);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await img.arrayBuffer()).slice(1, 4)).toEqual(new Uint8Array([0x50, 0x4e, 0x47]));
    await alice.post(`/connect/session/${sessionId}/answer`, {
      seq: seqOf(html),
      kind: 'captcha',
      text: 'ABCDE',
    });

    html = await waitForState(alice, sessionId, /favorite color/);
    await alice.post(`/connect/session/${sessionId}/answer`, {
      seq: seqOf(html),
      kind: 'security_questions',
      answer: 'blue',
    });

    html = await waitForState(alice, sessionId, /name="method"/);
    const method = /name="method" value="([^"]+)"/.exec(html)![1]!;
    await alice.post(`/connect/session/${sessionId}/answer`, {
      seq: seqOf(html),
      kind: 'token_method',
      method: method.replace(/&#39;/g, "'"),
    });

    html = await waitForState(alice, sessionId, /name="code"/);
    // The code field says what it is, and what the sandbox accepts.
    expect(html).toMatch(/One-time code Sophtron Bank sent you/);
    expect(html).toContain('Sandbox: any code is accepted');
    await alice.post(`/connect/session/${sessionId}/answer`, {
      seq: seqOf(html),
      kind: 'token_input',
      code: '123456',
    });

    html = await waitForState(alice, sessionId, /id="link-form"/);
    expect(html).toContain('Connected to Sophtron Bank');
    const paIds = [...html.matchAll(/name="link" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(paIds.length).toBeGreaterThan(0);
    const connectionId = /action="\/connections\/([^/]+)\/link"/.exec(html)![1]!;
    const fields: Record<string, string | string[]> = { link: paIds };
    for (const id of paIds) {
      fields[`name_${id}`] = /name="name_[^"]+" value="([^"]*)"/.exec(
        html.slice(html.indexOf(`name_${id}`) - 20),
      )![1]!;
      fields[`kind_${id}`] = 'depository';
      fields[`currency_${id}`] = 'USD';
    }
    const linked = await alice.post(`/connections/${connectionId}/link`, fields);
    expect(linked.status).toBe(302);
    expect(decodeURIComponent(linked.headers.get('location')!)).toContain(`${paIds.length} account`);
    const family = (await h.store.listFamilies())[0]!;
    expect(await h.store.listAccounts(family.id)).toHaveLength(paIds.length);

    // Sync now, with live progress over server-sent events.
    const sync = await alice.post('/sync');
    expect(sync.status).toBe(302);
    const taskId = /\/sync\/live\/(.+)$/.exec(sync.headers.get('location')!)![1]!;
    expect((await alice.page(`/sync/live/${taskId}`)).html).toContain(`data-sse="/tasks/${taskId}/events"`);
    const events = await readSse(alice, `/tasks/${taskId}/events`);
    expect(events).toContain('event: progress');
    expect(events).toMatch(/event: line\ndata: .*succeeded/);
    const done = /event: done\ndata: (.+)\n/.exec(events)![1]!;
    const runPath = JSON.parse(done).redirect as string;
    expect(runPath).toMatch(/^\/sync\/history\//);
    const runPage = await alice.page(runPath);
    expect(runPage.html).toContain('id="run-accounts"');
    expect(runPage.html).toMatch(/pill succeeded/);
    const accounts = await h.store.listAccounts(family.id);
    const acc = accounts[0]!;
    const accPage = await alice.page(`/accounts/${acc.id}`);
    expect(accPage.html).toContain('id="transactions"');
    // After one sync the chart already shows the months read, derived backwards (dashed).
    expect(accPage.html).toMatch(/<path class="line derived" d="M[^"]*( L[^"]*){3,}"/);
    expect(accPage.html).toContain('id="derived-note"');
    const txIds = [...accPage.html.matchAll(/\/transactions\/(\d+)\/delete/g)].map((m) => m[1]!);
    expect(txIds.length).toBeGreaterThan(0);
    const del = await alice.post(`/accounts/${acc.id}/transactions/${txIds[0]}/delete`);
    expect(decodeURIComponent(del.headers.get('location')!)).toContain('deleted');
    expect((await alice.page('/sync/history')).html).toContain(runPath);

    // Unlink an account, then link its bank account again into that same (existing) account.
    await alice.post(`/accounts/${acc.id}/unlink`);
    const relink = await alice.page(`/connections/${connectionId}/link`);
    const paId = /name="into_([^"]+)"/.exec(relink.html)![1]!;
    // The account it was linked to before is the default choice, not "a new account".
    const choice = relink.html.slice(relink.html.indexOf(`name="into_${paId}"`));
    expect(choice.slice(0, choice.indexOf('</select>'))).toMatch(
      new RegExp(`<option value="${acc.id}" selected="">`),
    );
    expect(choice.slice(0, choice.indexOf('</select>'))).not.toMatch(/<option value="" selected/);
    const into = await alice.post(`/connections/${connectionId}/link`, {
      link: paId,
      [`name_${paId}`]: 'ignored',
      [`kind_${paId}`]: 'loan',
      [`currency_${paId}`]: 'EUR',
      [`into_${paId}`]: acc.id,
    });
    expect(decodeURIComponent(into.headers.get('location')!)).toContain('1 account linked');
    const after = await h.store.listAccounts(family.id);
    expect(after).toHaveLength(accounts.length);
    const continued = after.find((a) => a.id === acc.id)!;
    expect(continued.provider_account_id).toBe(paId);
    expect([continued.name, continued.currency]).toEqual([acc.name, acc.currency]);

    // Another family's person sees none of it, whatever id they send.
    await alice.page('/admin/families');
    expect(
      (
        await alice.post('/admin/families', {
          family: 'Bob family',
          time_zone: 'UTC',
          username: 'bob',
          password: PASSWORD,
        })
      ).status,
    ).toBe(302);
    const bob = await login(app, 'bob');
    expect((await bob.request(`/connect/session/${sessionId}`)).status).toBe(404);
    expect((await bob.request(`/connect/session/${sessionId}/state`)).status).toBe(404);
    expect((await bob.request(`/connections/${connectionId}/link`)).status).toBe(404);
    expect((await bob.post(`/connections/${connectionId}/link`, fields)).status).toBe(404);
    expect((await bob.request(`/connect/reconnect/${connectionId}`)).status).toBe(404);
    expect((await bob.request(`/accounts/${acc.id}`)).status).toBe(404);
    expect(
      (
        await bob.post(`/accounts/${acc.id}/settings`, {
          name: 'x',
          kind: 'loan',
          currency: 'USD',
          balance_rule: 'negate',
          start_date: '',
        })
      ).status,
    ).toBe(404);
    expect((await bob.post(`/accounts/${acc.id}/transactions/${txIds[1]}/delete`)).status).toBe(404);
    expect((await bob.post('/sync', { account_id: acc.id })).status).toBe(404);
    expect((await bob.request(`/tasks/${taskId}/events`)).status).toBe(404);
    expect((await bob.request(`/sync/live/${taskId}`)).status).toBe(404);
    expect((await bob.request(runPath)).status).toBe(404);
    expect((await bob.page('/sync/history')).html).not.toContain(runPath);
    const bobHome = await bob.page('/');
    expect(bobHome.html).toContain('No accounts yet');
    expect(bobHome.html).not.toContain('/accounts/');
    // Even alice's other login session does not see the connect session (bound to its session).
    const alice2 = await login(app, 'alice');
    expect((await alice2.request(`/connect/session/${sessionId}`)).status).toBe(404);
  });

  it('shows a connection that needs MFA again on the dashboard, with the reason, and fixes it live', async () => {
    const carol = await login(app, 'bob');
    const bank = ORDINARY_BANKS.find((b) => b.mfa.length === 0)!;
    await carol.page(`/connect/bank/${bank.id}`);
    const start = await carol.post(`/connect/bank/${bank.id}`, {
      username: TRIGGERS.mfaOnRefreshUser,
      password: 'pw',
    });
    const sessionId = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;
    const html = await waitForState(carol, sessionId, /id="link-form"/);
    const connectionId = /action="\/connections\/([^/]+)\/link"/.exec(html)![1]!;
    const first = /name="link" value="([^"]+)"/.exec(html)![1]!;
    await carol.post(`/connections/${connectionId}/link`, {
      link: first,
      [`name_${first}`]: 'Everyday',
      [`kind_${first}`]: 'depository',
      [`currency_${first}`]: 'USD',
    });

    const sync = await carol.post('/sync');
    const taskId = /\/sync\/live\/(.+)$/.exec(sync.headers.get('location')!)![1]!;
    await readSse(carol, `/tasks/${taskId}/events`);
    const home = await carol.page('/');
    expect(home.html).toContain('class="banner attention"');
    expect(home.html).toContain(`/connect/reconnect/${connectionId}`);
    expect(home.html).toMatch(/needs your attention:[^<]*\S/);

    const viaApi = await carol.request(`/api/connections/${connectionId}/refresh`, {
      method: 'POST',
      headers: { 'x-csrf-token': carol.csrf },
    });
    expect(await viaApi.json()).toMatchObject({ outcome: 'needs_attention', status: 'needs_attention' });

    await carol.page(`/connect/reconnect/${connectionId}`);
    const fix = await carol.post(`/connect/reconnect/${connectionId}`);
    const fixId = /\/connect\/session\/([^/?]+)/.exec(fix.headers.get('location')!)![1]!;
    const q = await waitForState(carol, fixId, /favorite color/);
    await carol.post(`/connect/session/${fixId}/answer`, {
      seq: seqOf(q),
      kind: 'security_questions',
      answer: 'green',
    });
    await waitForState(carol, fixId, /Connected to /);
    expect((await carol.page('/')).html).not.toContain('class="banner attention"');
  });

  it('a failed bank login: the heading says so, the banner offers try again and remove, and leaves when resolved', async () => {
    const erin = await login(app, 'bob');
    const bank = ORDINARY_BANKS.find((b) => b.mfa.length === 0)!;
    const failOnce = async () => {
      await erin.page(`/connect/bank/${bank.id}`);
      const start = await erin.post(`/connect/bank/${bank.id}`, {
        username: 'erin',
        password: TRIGGERS.failPassword,
      });
      const sessionId = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;
      const state = await until('the failure in the live state', async () => {
        const html = await (
          await erin.request(`/connect/session/${sessionId}/state`, { headers: { 'hx-request': 'true' } })
        ).text();
        return /flash error/.test(html) && html;
      });
      // The live heading is replaced too: no "Connecting …" above the failure.
      expect(state).toMatch(/<h1 id="page-title" hx-swap-oob="true">Could not connect /);
      expect(state).toContain('Invalid credentials');
    };
    await failOnce();
    let home = await erin.page('/');
    const banners = () =>
      [...home.html.matchAll(/<div class="banner attention"[^>]*id="attention-([^"]+)"/g)].map((m) => m[1]!);
    const [failed] = banners().filter((id) => home.html.includes(`/connections/${id}/remove`));
    expect(failed).toBeDefined();
    expect(home.html).toContain(`href="/connect/reconnect/${failed}"`);
    expect(home.html).toMatch(/>Try again</);
    expect(home.html).toMatch(/>Remove this login</);

    // Try again with a password the bank accepts: the banner leaves.
    await erin.page(`/connect/reconnect/${failed}`);
    const retry = await erin.post(`/connect/reconnect/${failed}/login`, { username: 'erin', password: 'pw' });
    const retryId = /\/connect\/session\/([^/?]+)/.exec(retry.headers.get('location')!)![1]!;
    await waitForState(erin, retryId, /Connected to /);
    home = await erin.page('/');
    expect(home.html).not.toContain(`id="attention-${failed}"`);

    // Another failure, removed from the banner: gone from the dashboard and the ledger.
    await failOnce();
    home = await erin.page('/');
    const second = banners().find((id) => id !== failed && home.html.includes(`/connections/${id}/remove`))!;
    const removed = await erin.post(`/connections/${second}/remove`);
    expect(decodeURIComponent(removed.headers.get('location')!)).toContain('login was removed');
    home = await erin.page('/');
    expect(home.html).not.toContain(`id="attention-${second}"`);
    const family = (
      await h.store.db
        .selectFrom('web_users')
        .select('family_id')
        .where('username', '=', 'bob')
        .executeTakeFirstOrThrow()
    ).family_id;
    expect(await h.store.getConnection(family, second)).toBeUndefined();
  });

  it('asks several security questions at once, and shows the code to confirm for a push approval', async () => {
    const dave = await login(app, 'bob');
    const multiple = TEST_BANKS.find((b) => b.name === 'Sophtron Bank SecurityQuestion Multiple')!;
    await dave.page(`/connect/bank/${multiple.id}`);
    let start = await dave.post(`/connect/bank/${multiple.id}`, {
      username: 'asdfg12X',
      password: 'asdfg12X',
    });
    let id = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;
    let html = await waitForState(dave, id, /name="answer"/);
    const questions = [...html.matchAll(/name="answer"/g)].length;
    expect(questions).toBe(3);
    expect(html).toContain('first pet');
    await dave.post(`/connect/session/${id}/answer`, {
      seq: seqOf(html),
      kind: 'security_questions',
      answer: ['blue', 'Rex', 'Paris'],
    });
    await waitForState(dave, id, /id="link-form"/);

    const push = TEST_BANKS.find((b) => b.name === 'Sophtron Bank TokenRead')!;
    start = await dave.post(`/connect/bank/${push.id}`, { username: 'asdfg12X', password: 'asdfg12X' });
    id = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;
    html = await waitForState(dave, id, /id="code-to-confirm"/);
    expect(/id="code-to-confirm">\s*([^<\s]+)/.exec(html)![1]!.length).toBeGreaterThan(0);
    // A stale form (an old round number) does not answer the current challenge.
    const stale = await dave.request(`/connect/session/${id}/answer`, {
      method: 'POST',
      headers: { 'x-csrf-token': dave.csrf, 'hx-request': 'true' },
      form: { seq: '999', kind: 'token_read', approved: 'yes' },
    });
    expect(await stale.text()).toContain('code-to-confirm');
    await dave.post(`/connect/session/${id}/answer`, {
      seq: seqOf(html),
      kind: 'token_read',
      approved: 'yes',
    });
    await waitForState(dave, id, /id="link-form"/);
  });

  it('a verification connect asks to choose one account as a radio list; the choice completes it', async () => {
    const erin = await login(app, 'bob');
    const bank = TEST_BANKS.find((b) => b.name === 'Sophtron Bank NoMFA')!;
    const form = await erin.page(`/connect/bank/${bank.id}`);
    expect(form.html).toContain('name="verification"');
    const start = await erin.post(`/connect/bank/${bank.id}`, {
      username: 'asdf',
      password: 'asdf',
      verification: 'yes',
    });
    const id = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;
    const html = await waitForState(erin, id, /name="account"/);
    const choices = [...html.matchAll(/type="radio" name="account" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(choices.length).toBeGreaterThan(1);
    expect(html).toMatch(/Primary Checking \(xxx1234\)/);
    await erin.post(`/connect/session/${id}/answer`, {
      seq: seqOf(html),
      kind: 'account_select',
      account: choices[1]!,
    });
    const done = await waitForState(erin, id, /id="link-form"/);
    expect(done).toContain('Connected to Sophtron Bank NoMFA');
    const picks = sandbox.control
      .requestLog()
      .filter((e) => e.endpoint === 'UserInstitutionAccount/GetFullAccountNumberWithinJob');
    expect(picks).toHaveLength(1);
  });
});

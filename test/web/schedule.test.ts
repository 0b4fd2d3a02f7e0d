/**
 * The Schedule page through the web app: saving a schedule (and the budget refusal with numbers),
 * deliveries kept inside the exports folder, a notification channel whose secret never comes back
 * on the page, the "send test" button (to a local receiver), export downloads, an uploaded import
 * configuration for the Firefly III delivery, and "Sync now" / the API refused while another
 * process syncs the family.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedAccount, seedConnection, seedTransaction } from '../fakes/ledger-seed.js';
import { familySyncLock } from '../../src/store/family-lock.js';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { Client, createHarness, setupFirstUser, type Harness } from './harness.js';

let h: Harness;
let c: Client;
let familyId: string;
let hook: Server;
let hookUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeEach(async () => {
  h = await createHarness({ env: { SOPHTRON_MONTHLY_BUDGET: '1000' } });
  c = await setupFirstUser(h.app);
  familyId = (await h.store.db.selectFrom('families').select('id').executeTakeFirstOrThrow()).id;
  const conn = await seedConnection(h.store.db, familyId);
  const acct = await seedAccount(h.store.db, familyId, conn, { name: 'Checking' });
  await seedTransaction(h.store.db, acct, { amountMinor: -250, date: '2026-02-01', description: '+SUM(1)' });
  received.length = 0;
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (x: Buffer) => (body += x.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});

afterEach(async () => {
  await new Promise<void>((r) => hook.close(() => r()));
  await h.close();
});

const flash = (res: Response) => decodeURIComponent(res.headers.get('location') ?? '');

describe('Schedule page', () => {
  it('gives a new family a daily sync and says what happens next, never contradicting itself', async () => {
    let { html } = await c.page('/schedule');
    expect(html).toMatch(/id="schedule-state">on — daily at 05:17 \(UTC\)/);
    expect(html).toMatch(/id="next-sync">(today|tomorrow) 05:17/);
    expect(html).not.toContain('not saved yet');
    expect(html).toMatch(/name="enabled"[^>]*checked/);
    expect(await h.store.db.selectFrom('schedules').selectAll().executeTakeFirst()).toMatchObject({
      enabled: 1,
      cron: '17 5 * * *',
    });

    // Turned off: the page says so and the box is not ticked.
    await c.post('/schedule', { mode: 'daily', time: '06:00', budget: '' });
    ({ html } = await c.page('/schedule'));
    expect(html).toMatch(/id="schedule-state">off/);
    expect(html).not.toContain('id="next-sync"');
    expect(html).not.toMatch(/name="enabled"[^>]*checked/);

    // Every N hours, and daily at a time, chosen without cron.
    await c.post('/schedule', { mode: 'hours', every: '6', enabled: 'on', budget: '' });
    expect(await h.store.db.selectFrom('schedules').select('cron').executeTakeFirstOrThrow()).toEqual({
      cron: '0 */6 * * *',
    });
    ({ html } = await c.page('/schedule'));
    expect(html).toMatch(/id="schedule-state">on — every 6 hours/);
    expect(html).toMatch(/name="mode" value="hours"[^>]*checked/);
    await c.post('/schedule', { mode: 'daily', time: '06:30', enabled: 'on', budget: '' });
    ({ html } = await c.page('/schedule'));
    expect(html).toMatch(/id="schedule-state">on — daily at 06:30/);
    expect(html).toMatch(/id="next-sync">(today|tomorrow) 06:30/);
    const bad = await c.post('/schedule', { mode: 'daily', time: '31:00', enabled: 'on', budget: '' });
    expect(flash(bad)).toMatch(/error=Daily at: a time such as 06:00/);
  });

  it('saves a schedule within the budget and refuses one over it with the numbers', async () => {
    const { html } = await c.page('/schedule');
    expect(html).toContain('Automatic syncs');
    expect(html).toContain('17 5 * * *');
    const over = await c.post('/schedule', { cron: '0 * * * *', enabled: 'on', budget: '' });
    expect(flash(over)).toMatch(
      /error=This schedule needs about 5,848 Sophtron calls a month .* over the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of 1,000/,
    );
    const ok = await c.post('/schedule', { cron: '0 6 * * *', enabled: 'on', budget: '' });
    expect(flash(ok)).toMatch(
      /ok=Syncs daily at 06:00\. This schedule needs about 240 Sophtron calls a month/,
    );
    const row = await h.store.db.selectFrom('schedules').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ cron: '0 6 * * *', enabled: 1, monthly_budget: null });
    const bad = await c.post('/schedule', { cron: 'every day', enabled: 'on', budget: 'x' });
    expect(flash(bad)).toMatch(/error=This family's own monthly budget: must be a whole number/);
  });

  it('keeps a web folder destination inside the exports folder', async () => {
    const escape = await c.post('/schedule/destinations', {
      files: 'on',
      folder: '../../etc',
      formats: 'csv',
    });
    expect(flash(escape)).toMatch(/error=Folder: must stay inside the exports folder/);
    const ok = await c.post('/schedule/destinations', {
      files: 'on',
      folder: 'nightly',
      formats: ['csv', 'ofx'],
    });
    expect(flash(ok)).toMatch(/ok=Deliveries saved/);
    const dest = await h.store.db
      .selectFrom('schedule_destinations')
      .selectAll()
      .where('destination', '=', 'files')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(dest.options)).toEqual({
      folder: `${h.dir}/exports/${familyId}/nightly`,
      formats: ['csv', 'ofx'],
    });
  });

  it('saves an import configuration for the Firefly III delivery, shows it, and forgets it', async () => {
    await c.page('/schedule');
    const upload = (json: unknown, name = 'import_config.json') => {
      const form = new FormData();
      form.set('_csrf', c.csrf);
      form.set('firefly', 'on');
      form.set('formats', 'csv');
      form.set('import_config', new File([JSON.stringify(json)], name, { type: 'application/json' }));
      return c.request('/schedule/destinations', { method: 'POST', body: form });
    };
    const bad = await upload({ version: 3, flow: 'sophtron', date_range: 'sometimes' });
    expect(flash(bad)).toMatch(/error=Import configuration: .*date_range/);
    const ok = await upload(
      {
        version: 3,
        flow: 'sophtron',
        accounts: { 'acc-1': 7 },
        custom_tag: 'nightly',
        access_token: 'tok-x',
      },
      'family.json',
    );
    expect(flash(ok)).toMatch(/ok=Deliveries saved/);
    const row = await h.store.db
      .selectFrom('schedule_destinations')
      .selectAll()
      .where('destination', '=', 'firefly')
      .executeTakeFirstOrThrow();
    const options = JSON.parse(row.options);
    expect(row.enabled).toBe(1);
    expect(options).toMatchObject({
      configName: 'family.json',
      config: { accounts: { 'acc-1': 7 }, custom_tag: 'nightly' },
    });
    // only the keys the importer knows are kept
    expect(row.options).not.toContain('tok-x');
    const { html } = await c.page('/schedule');
    expect(html).toMatch(/the saved import configuration\s*<strong>family\.json<\/strong>/);
    // saving again without a file keeps it; "stop using it" forgets it
    await c.post('/schedule/destinations', { firefly: 'on', formats: 'csv' });
    expect(
      JSON.parse(
        (
          await h.store.db
            .selectFrom('schedule_destinations')
            .select('options')
            .where('destination', '=', 'firefly')
            .executeTakeFirstOrThrow()
        ).options,
      ),
    ).toHaveProperty('configName', 'family.json');
    await c.post('/schedule/destinations', { firefly: 'on', formats: 'csv', forget_config: 'on' });
    expect((await c.page('/schedule')).html).toContain('every linked account, with the options in Settings');
  });

  it('"Sync now" and POST /api/sync say so while another process syncs the family', async () => {
    // credentials that lead nowhere: the lock refuses before any Sophtron call
    await h.store.saveCredentials(familyId, {
      userId: 'u',
      accessKey: Buffer.alloc(24, 1).toString('base64'),
      baseUrl: 'http://127.0.0.1:1/api',
    });
    const since = new Date();
    await h.store.acquireLock(familySyncLock(familyId), 'worker-box:4242:beef', 60_000, since);
    const expected = `a sync of this family is already running since ${since.toISOString().slice(0, 19).replace('T', ' ')} UTC (worker-box pid 4242)`;
    await c.page('/sync/history');
    const started = await c.post('/sync', {});
    const taskId = /\/sync\/live\/([^/?]+)/.exec(started.headers.get('location') ?? '')![1]!;
    const events = await (await c.request(`/tasks/${taskId}/events`)).text();
    const done = JSON.parse(/event: done\ndata: (.+)\n/.exec(events)![1]!) as {
      ok: boolean;
      message: string;
    };
    expect(done).toMatchObject({ ok: false, message: expect.stringContaining(expected) });
    const user = await h.store.db.selectFrom('web_users').select('id').executeTakeFirstOrThrow();
    const token = await createApiToken(h.store, user.id, 'test');
    const api = await new Client(h.app).request('/api/sync', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(api.status).toBe(409);
    expect(((await api.json()) as { error: string }).error).toContain(expected);
    expect(await h.store.db.selectFrom('sync_runs').select('id').execute()).toEqual([]);
  });

  it('adds a channel, never shows its secret, and sends a test through htmx', async () => {
    const add = await c.post('/schedule/notify', {
      kind: 'webhook',
      name: 'home',
      url: `${hookUrl}?key=url-secret-1`,
      header: 'Authorization: Bearer hdr-secret-2',
    });
    expect(flash(add)).toMatch(/ok=Channel "home" added/);
    const { html } = await c.page('/schedule');
    expect(html).toContain('home');
    expect(html).not.toMatch(/url-secret-1|hdr-secret-2/);
    const res = await c.request('/schedule/notify/test', {
      method: 'POST',
      form: { _csrf: c.csrf },
      headers: { 'hx-request': 'true' },
    });
    expect(await res.text()).toContain('home: sent');
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe('Bearer hdr-secret-2');
  });

  it('downloads exports as files', async () => {
    const res = await c.request('/exports/download?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="sophtron-sync-.*\.csv"/);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      expect.objectContaining({ amount: '-2.50', description: "'+SUM(1)", account_name: 'Checking' }),
    ]);
    const ofx = await c.request('/exports/download?format=ofx');
    expect(await ofx.text()).toContain('<TRNAMT>-2.50</TRNAMT>');
    const bad = await c.request('/exports/download?format=csv&from=yesterday');
    expect(bad.status).toBe(400);
    // the account page links to its own downloads
    const acct = await h.store.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow();
    const { html } = await c.page(`/accounts/${acct.id}`);
    const href = /href="(\/exports\/download\?format=ofx[^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toContain(`account=${acct.id}`);
    const fromPage = await c.request(href!);
    expect(fromPage.status).toBe(200);
    expect(await fromPage.text()).toContain('<TRNAMT>-2.50</TRNAMT>');
  });
});

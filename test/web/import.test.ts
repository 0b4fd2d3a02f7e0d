/** The import wizard over HTTP against the Firefly III fake: upload errors, mapping, delivery, download. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, seedConnection, seedTransaction } from '../fakes/ledger-seed.js';
import { startFakeFirefly, type FakeFirefly } from '../fakes/firefly.js';
import type { Client } from './harness.js';
import { createHarness, setupFirstUser, type Harness } from './harness.js';

let h: Harness;
let firefly: FakeFirefly;
let alice: Client;
let sophtronAccountId: string;

beforeAll(async () => {
  firefly = await startFakeFirefly({ token: 'ff-secret-token' });
  h = await createHarness();
  alice = await setupFirstUser(h.app);
  const user = await h.store.db.selectFrom('web_users').selectAll().executeTakeFirstOrThrow();
  const conn = await seedConnection(h.store.db, user.family_id);
  const accountId = await seedAccount(h.store.db, user.family_id, conn, {
    name: 'Everyday',
    balanceMinor: 50_000,
  });
  await seedTransaction(h.store.db, accountId, {
    amountMinor: -1299,
    date: '2026-11-03',
    merchant: 'CORNER GROCER',
    description: 'CORNER GROCER #12',
  });
  await seedTransaction(h.store.db, accountId, {
    amountMinor: -500,
    date: '2026-11-04',
    merchant: 'CORNER GROCER',
    description: 'CORNER GROCER #12',
  });
  await seedTransaction(h.store.db, accountId, {
    amountMinor: 250_000,
    date: '2026-11-01',
    description: 'PAYROLL ACME',
  });
  sophtronAccountId = (
    await h.store.db.selectFrom('provider_accounts').select('sophtron_account_id').executeTakeFirstOrThrow()
  ).sophtron_account_id;
  await alice.page('/settings');
  expect((await alice.post('/settings/firefly', { url: firefly.url, token: firefly.token })).status).toBe(
    302,
  );
});
afterAll(async () => {
  await h.close();
  await firefly.stop();
});

async function readDone(path: string): Promise<{ redirect: string; ok: boolean; message: string }> {
  const res = await alice.request(path);
  const text = await res.text(); // the stream ends after "done"
  return JSON.parse(/event: done\ndata: (.+)\n/.exec(text)![1]!);
}

describe('import wizard', () => {
  it('refuses a bad configuration file naming the key', async () => {
    await alice.page('/import');
    const form = new FormData();
    form.set('_csrf', alice.csrf);
    form.set(
      'config',
      new File([JSON.stringify({ version: 3, flow: 'sophtron', date_range: 'sometimes' })], 'c.json', {
        type: 'application/json',
      }),
    );
    const res = await alice.request('/import/start', { method: 'POST', body: form });
    expect(res.status).toBe(302);
    expect(decodeURIComponent(res.headers.get('location')!)).toContain('date_range');
  });

  it('maps other parties, delivers with progress, and hands back the configuration', async () => {
    const grocer = await fetch(`${firefly.url}/api/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${firefly.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ name: 'Groceries', type: 'expense' }),
    });
    const grocerId = ((await grocer.json()) as { data: { id: string } }).data.id;

    await alice.page('/import');
    const start = await alice.post('/import/start');
    const base = start.headers.get('location')!.replace(/\/accounts$/, '');
    const accounts = await alice.page(`${base}/accounts`);
    expect(accounts.html).toContain('Everyday');
    await alice.post(`${base}/accounts`, {
      include: sophtronAccountId,
      [`target_${sophtronAccountId}`]: '0',
    });
    await alice.post(`${base}/dates`, {
      date_range: 'range',
      date_not_before: '2026-10-01',
      date_not_after: '2026-11-30',
      date_range_number: '30',
      date_range_unit: 'd',
    });
    await alice.post(`${base}/options`, {
      rules: 'on',
      add_import_tag: 'on',
      custom_tag: 'Sophtron %date%',
      map_all_data: 'on',
    });
    const skip = await alice.post(`${base}/sync`, { skip: '1' });
    expect(skip.headers.get('location')).toBe(`${base}/map`);
    const map = await alice.page(`${base}/map`);
    expect(map.html).toContain('CORNER GROCER');
    expect(map.html).toContain('Groceries');
    await alice.post(`${base}/map`, { party: ['CORNER GROCER', 'PAYROLL ACME'], target: [grocerId, '0'] });
    const deliver = await alice.post(`${base}/deliver`);
    const taskId = /task=(.+)$/.exec(deliver.headers.get('location')!)![1]!;
    const done = await readDone(`/tasks/${decodeURIComponent(taskId)}/events`);
    expect(done).toMatchObject({ ok: true, redirect: `${base}/result` });
    const result = await alice.page(`${base}/result`);
    expect(result.html).toContain('id="count-created">3<');
    expect(firefly.groups.size).toBe(3);
    const toGrocer = [...firefly.groups.values()].filter((g) => String(g.split.destinationId) === grocerId);
    expect(toGrocer).toHaveLength(2);

    const dl = await alice.request(`${base}/config.json`);
    expect(dl.headers.get('content-disposition')).toMatch(
      /attachment; filename="import_config_\d{4}-\d{2}-\d{2}\.json"/,
    );
    const text = await dl.text();
    expect(text).not.toContain(firefly.token);
    const cfg = JSON.parse(text) as {
      flow: string;
      accounts: Record<string, number>;
      mapping: Record<string, Record<string, number>>;
      date_range: string;
    };
    expect(cfg.flow).toBe('sophtron');
    expect(cfg.accounts[sophtronAccountId]).toBeGreaterThan(0);
    expect(cfg.mapping['0']).toEqual({ 'CORNER GROCER': Number(grocerId) });
    expect(cfg.date_range).toBe('range');

    // The same configuration again through the API's import: nothing is delivered twice.
    const again = await alice.request('/api/import?sync=false', {
      method: 'POST',
      body: text,
      headers: { 'x-csrf-token': alice.csrf, 'content-type': 'application/json' },
    });
    expect(again.status).toBe(200);
    const summary = (await again.json()) as { delivery: { created: number } };
    expect(summary.delivery.created).toBe(0);
    expect(firefly.groups.size).toBe(3);
  });
});

describe('import wizard without a working Firefly III', () => {
  let h2: Harness;
  let bob: Client;
  let familyId: string;
  let sophtronId: string;

  beforeAll(async () => {
    h2 = await createHarness();
    bob = await setupFirstUser(h2.app, 'bob');
    const user = await h2.store.db.selectFrom('web_users').selectAll().executeTakeFirstOrThrow();
    familyId = user.family_id;
    const conn = await seedConnection(h2.store.db, familyId);
    const accountId = await seedAccount(h2.store.db, familyId, conn, {
      name: 'Savings',
      balanceMinor: 9_000,
    });
    await seedTransaction(h2.store.db, accountId, {
      amountMinor: -700,
      date: '2026-11-03',
      description: 'TEA',
    });
    sophtronId = (
      await h2.store.db
        .selectFrom('provider_accounts')
        .select('sophtron_account_id')
        .executeTakeFirstOrThrow()
    ).sophtron_account_id;
  });
  afterAll(async () => {
    await h2.close();
  });

  /** Starts the wizard, checks its accounts page, picks the account and every date; returns its base path. */
  async function throughDates(expectAccounts: (html: string, base: string) => void): Promise<string> {
    await bob.page('/import');
    const start = await bob.post('/import/start');
    const base = start.headers.get('location')!.replace(/\/accounts$/, '');
    const accounts = await bob.page(`${base}/accounts`);
    expectAccounts(accounts.html, base);
    await bob.post(`${base}/accounts`, { include: sophtronId, [`target_${sophtronId}`]: '0' });
    await bob.post(`${base}/dates`, {
      date_range: 'all',
      date_range_number: '30',
      date_range_unit: 'd',
      date_not_before: '',
      date_not_after: '',
    });
    return base;
  }

  async function throughOptions(): Promise<string> {
    const base = await throughDates((html) => {
      expect(html).toContain('Firefly III is not connected');
      expect(html).toContain('href="/settings"');
    });
    // Accounts and dates chosen: the configuration can be taken home already.
    const options = await bob.page(`${base}/options`);
    expect(options.html).toContain(`href="${base}/config.json"`);
    expect(options.html).toContain('Download the configuration');
    await bob.post(`${base}/options`, { add_import_tag: 'on' });
    const sync = await bob.page(`${base}/sync`);
    expect(sync.html).toContain(`href="${base}/config.json"`);
    return base;
  }

  it('offers the configuration before any delivery', async () => {
    const base = await throughOptions();
    const dl = await bob.request(`${base}/config.json`);
    expect(dl.status).toBe(200);
    const cfg = JSON.parse(await dl.text()) as { accounts: Record<string, number>; date_range: string };
    expect(cfg.accounts).toEqual({ [sophtronId]: 0 });
    expect(cfg.date_range).toBe('all');
  });

  it('with no Firefly III set up, "Deliver now" says so and shows the way on', async () => {
    const base = await throughOptions();
    await bob.post(`${base}/sync`, { skip: '1' });
    const deliver = await bob.post(`${base}/deliver`);
    expect(deliver.status).toBe(302);
    const shown = await bob.page(deliver.headers.get('location')!);
    expect(shown.html).toMatch(/class="flash error"[^>]*>[^<]*Firefly III is not connected/);
    expect(shown.html).toContain('href="/settings"');
    expect(shown.html).toContain(`href="${base}/options"`);
    expect(shown.html).toContain(`href="${base}/config.json"`);
  });

  it('against an unreachable Firefly III, the delivery ends with the reason, a retry and a way back', async () => {
    await h2.store.saveFireflySettings(familyId, {
      url: 'http://127.0.0.1:9',
      token: 'tok-unreachable',
    });
    const base = await throughOptionsReachable();
    await bob.post(`${base}/sync`, { skip: '1' });
    const deliver = await bob.post(`${base}/deliver`);
    const taskId = /task=(.+)$/.exec(deliver.headers.get('location')!)![1]!;
    const res = await bob.request(`/tasks/${decodeURIComponent(taskId)}/events`);
    const done = JSON.parse(/event: done\ndata: (.+)\n/.exec(await res.text())![1]!) as {
      ok: boolean;
      redirect: string | null;
    };
    expect(done.ok).toBe(false);
    expect(done.redirect!.startsWith(`${base}/deliver?error=`)).toBe(true);
    const page = await bob.page(done.redirect!);
    expect(page.html).toMatch(/class="flash error"/);
    expect(page.html).toContain('127.0.0.1:9');
    expect(page.html).toMatch(/<button type="submit">Try again<\/button>/);
    expect(page.html).toContain(`href="${base}/options"`);
    expect(page.html).toContain('href="/settings"');
    expect(page.html).not.toContain('tok-unreachable');
  });

  /** The accounts page names an unreachable Firefly III and offers to ask it again. */
  async function throughOptionsReachable(): Promise<string> {
    const base = await throughDates((html, base) => {
      expect(html).toContain('Firefly III did not answer');
      expect(html).toContain(`href="${base}/accounts"`);
    });
    await bob.post(`${base}/options`, { add_import_tag: 'on' });
    return base;
  }
});

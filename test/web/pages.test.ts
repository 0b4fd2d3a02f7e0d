/**
 * What a person sees on the pages, through HTTP: the setup form keeps what was typed after a
 * refusal, the menu marks the current page, a running sync says so, phone tables label their
 * values, empty tables explain themselves, destructive buttons ask first, times use the family's zone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { seedAccount, seedConnection } from '../fakes/ledger-seed.js';
import { Client, createHarness, PASSWORD, setupFirstUser, type Harness } from './harness.js';

let h: Harness;
let alice: Client;
let familyId: string;
let accountId: string;

beforeAll(async () => {
  h = await createHarness();
  // Before any user exists: a refused setup keeps the non-secret fields.
  const c = new Client(h.app);
  await c.page('/setup');
  const res = await c.post('/setup', {
    code: 'WRONG-CODE-0000',
    family: 'The <Smiths>',
    time_zone: 'America/New_York',
    username: 'alice',
    password: PASSWORD,
    password2: PASSWORD,
  });
  expect(res.status).toBe(403);
  setupRefusal = await res.text();

  alice = await setupFirstUser(h.app);
  const user = await h.store.db
    .selectFrom('web_users')
    .selectAll()
    .where('username', '=', 'alice')
    .executeTakeFirstOrThrow();
  familyId = user.family_id;
  await h.store.updateFamily(familyId, { timeZone: 'America/New_York' });
  const connection = await seedConnection(h.store.db, familyId, { institutionName: 'Alice Bank' });
  accountId = await seedAccount(h.store.db, familyId, connection, { name: 'Alice Checking' });
  await createApiToken(h.store, user.id, 'nightly <cron>');
});
afterAll(async () => {
  await h.close();
});

let setupRefusal = '';

describe('the pages as a person sees them', () => {
  it('keeps family, time zone and username after a wrong setup code, never the code or passwords', () => {
    expect(setupRefusal).toContain('Setup code: wrong code');
    expect(setupRefusal).toContain('value="The &lt;Smiths&gt;"');
    expect(setupRefusal).toContain('value="America/New_York"');
    expect(setupRefusal).toContain('value="alice"');
    expect(setupRefusal).not.toContain('WRONG-CODE-0000');
    expect(setupRefusal).not.toContain(PASSWORD);
    // The time zone field suggests the IANA names the server accepts.
    expect(setupRefusal).toMatch(/name="time_zone"[^>]*list="time-zones"/);
    expect(setupRefusal).toContain('<option value="America/New_York">');
  });

  it('states the password rule next to each new-password field', async () => {
    expect(setupRefusal).toMatch(/aria-describedby="password-rule"/);
    expect(setupRefusal).toMatch(/id="password-rule">At least 10 characters/);
    const family = await alice.page('/family');
    expect(family.html).toMatch(/id="password-rule">At least 10 characters/);
    const families = await alice.page('/admin/families');
    expect(families.html).toMatch(/id="password-rule">At least 10 characters/);
  });

  it('has one menu entry for the family; other families are reached from its page', async () => {
    const family = await alice.page('/family');
    expect(family.html).not.toMatch(/<nav[^]*>Families<\/a>[^]*<\/nav>/);
    expect(family.html).toContain('href="/admin/families"');
    const families = await alice.page('/admin/families');
    expect(families.html).toMatch(/<a href="\/family" aria-current="page">Family<\/a>/);
  });

  it('offers the notification fields grouped by kind, for the page script to show the chosen one', async () => {
    const schedule = await alice.page('/schedule');
    expect(schedule.html).toContain('<select name="kind" data-shows-kind="">');
    for (const kind of ['ntfy webhook', 'ntfy', 'webhook', 'email'])
      expect(schedule.html).toContain(`<fieldset data-kind="${kind}">`);
  });

  it('marks the current page in the menu, also on its sub-pages', async () => {
    const { html } = await alice.page('/sync/history');
    expect(html).toMatch(/<a href="\/sync\/history" aria-current="page">/);
    expect(html).not.toMatch(/<a href="\/" aria-current="page">/);
    const home = await alice.page('/');
    expect(home.html).toMatch(/<a href="\/" aria-current="page">/);
    expect(home.html).toContain('href="/assets/icon.svg"');
    const icon = await alice.request('/assets/icon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('says a running sync is running, counts its calls so far, and offers no second sync', async () => {
    const run = await h.store.createRun(familyId, 'web');
    await h.store.recordAccountResult(familyId, run.id, {
      accountId,
      outcome: 'succeeded',
      newCount: 3,
      sophtronCalls: 4,
    });
    const { html } = await alice.page(`/sync/history/${run.id}`);
    expect(html).toContain('still running');
    expect(html).toContain('4 Sophtron calls');
    expect(html).not.toContain('Sync again');
    // On a phone the column headings are hidden: each number carries its own label.
    expect(html).toMatch(/data-label="New"[^>]*>3</);
    expect(html).toMatch(/data-label="Sophtron calls"[^>]*>4</);
    const list = await alice.page('/sync/history');
    expect(list.html).toMatch(/data-label="Sophtron calls"/);
  });

  it('explains an empty transaction table, with and without filters', async () => {
    const none = await alice.page(`/accounts/${accountId}`);
    expect(none.html).toContain('No transactions yet: they appear after a sync.');
    const filtered = await alice.page(`/accounts/${accountId}?q=zzz&status=all`);
    expect(filtered.html).toContain('No transaction matches these filters.');
    // Unlinking asks first (assets/app.js reads data-confirm).
    expect(none.html).toMatch(/action="\/accounts\/[^"]+\/unlink"[^>]*data-confirm="/);
  });

  it('shows token times in the family time zone and asks before deleting a token', async () => {
    const { html } = await alice.page('/tokens');
    expect(html).toContain('nightly &lt;cron&gt;');
    expect(html).not.toContain(' UTC<');
    expect(html).toMatch(/data-confirm="Delete the token “nightly &lt;cron&gt;”\?/);
    const row = await h.store.db.selectFrom('web_api_tokens').select('created_at').executeTakeFirstOrThrow();
    const ny = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/New_York',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(row.created_at));
    expect(html).toContain(ny);
  });

  it('says on the dashboard which bank login the bank refused, by its accounts, and how to fix it', async () => {
    const refused = await seedConnection(h.store.db, familyId, {
      institutionName: 'Alice Bank',
      status: 'needs_attention',
    });
    await h.store.db
      .updateTable('connections')
      .set({ status_reason: 'The bank refused the login: Invalid credentials' })
      .where('id', '=', refused)
      .execute();
    await seedAccount(h.store.db, familyId, refused, { name: 'Joint Savings' });
    await seedAccount(h.store.db, familyId, refused, { name: 'Joint Card', kind: 'credit_card' });
    try {
      const { html } = await alice.page('/');
      const banner = /<div class="banner attention"[^]*?<\/div>/.exec(html)?.[0] ?? '';
      expect(banner).toContain('<strong>Alice Bank</strong>');
      expect(banner).toContain('the login of Joint Card, Joint Savings');
      expect(banner).toContain('The bank refused the login: Invalid credentials');
      expect(banner).toContain(`href="/connect/reconnect/${refused}"`);
      // The other Alice Bank login (healthy) is not in a banner.
      expect(html).not.toContain('the login of Alice Checking');
    } finally {
      await h.store.db
        .updateTable('connections')
        .set({ status: 'connected' })
        .where('id', '=', refused)
        .execute();
    }
  });
});

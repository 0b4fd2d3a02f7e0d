/**
 * The SimpleFIN page, through HTTP: a family administrator creates a setup token for chosen
 * accounts and sees it once with a copy button; the app claims it; a second claim shows a possible
 * leak; the page lists the access with its last use; revoking it makes /simplefin/accounts 403.
 * A member cannot manage SimpleFIN access.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/web/users.js';
import { seedAccount, seedConnection } from '../fakes/ledger-seed.js';
import { claimUrlOf } from '../helpers/simplefin-client.js';
import type { Client } from './harness.js';
import { createHarness, login, PASSWORD, setupFirstUser, type Harness } from './harness.js';

let h: Harness;
let alice: Client;
let familyId: string;
let checking: string;
let visa: string;

beforeAll(async () => {
  h = await createHarness();
  alice = await setupFirstUser(h.app);
  const user = await h.store.db
    .selectFrom('web_users')
    .selectAll()
    .where('username', '=', 'alice')
    .executeTakeFirstOrThrow();
  familyId = user.family_id;
  const bank = await seedConnection(h.store.db, familyId, { institutionName: 'Bank One' });
  checking = await seedAccount(h.store.db, familyId, bank, { name: 'Everyday Checking', balanceMinor: 100 });
  visa = await seedAccount(h.store.db, familyId, bank, {
    name: 'Visa',
    kind: 'credit_card',
    balanceMinor: 5,
  });
  await seedAccount(h.store.db, familyId, bank, { name: 'Dinar', currency: 'KWD', balanceMinor: 1234 });
  await createUser(h.store, { familyId, username: 'bob', password: PASSWORD, role: 'member' });
});

afterAll(async () => {
  await h.close();
});

/** The app's side, over the same Hono app: claim and read with HTTP Basic. */
async function claimVia(setupToken: string) {
  return h.app.request(claimUrlOf(setupToken), { method: 'POST' });
}
async function accountsVia(accessUrl: string) {
  const u = new URL(accessUrl);
  const auth = Buffer.from(`${u.username}:${u.password}`).toString('base64');
  return h.app.request(`http://localhost/simplefin/accounts?balances-only=1`, {
    headers: { authorization: `Basic ${auth}` },
  });
}

describe('SimpleFIN page', () => {
  let setupToken: string;
  let accessUrl: string;

  it('offers the linked accounts and warns about currencies Actual reads as cents', async () => {
    const { res, html } = await alice.page('/simplefin-tokens');
    expect(res.status).toBe(200);
    expect(html).toContain('Everyday Checking (USD)');
    expect(html).toContain('Visa (USD)');
    expect(html).toMatch(/KWD amounts are sent with their own number of decimals/);
    expect(html).toContain('href="/simplefin-tokens" aria-current="page"');
    expect(html).toContain('None yet.');
  });

  it('refuses a token without accounts, naming the field', async () => {
    const res = await alice.post('/simplefin-tokens', { name: 'Actual' });
    expect(res.status).toBe(302);
    const page = await alice.page(res.headers.get('location')!);
    expect(page.html).toContain('Accounts: choose at least one account');
  });

  it('shows a new setup token once, with a copy button', async () => {
    const res = await alice.post('/simplefin-tokens', { name: 'Actual Budget', account: [checking] });
    expect(res.status).toBe(200);
    const html = await res.text();
    const m = /<code class="secret" id="new-setup-token">([^<]+)<\/code>/.exec(html);
    expect(m).not.toBeNull();
    setupToken = m![1]!;
    expect(html).toContain('data-copy="#new-setup-token"');
    expect(claimUrlOf(setupToken)).toMatch(/^http:\/\/localhost\/simplefin\/claim\/[A-Za-z0-9_-]{43}$/);
    const again = await alice.page('/simplefin-tokens');
    expect(again.html).not.toContain(setupToken);
    expect(again.html).toContain('waiting to be claimed');
  });

  it('lists the claimed access with its last use, and a second claim as a possible leak', async () => {
    const first = await claimVia(setupToken);
    expect(first.status).toBe(200);
    accessUrl = await first.text();
    expect(accessUrl).toMatch(/^http:\/\/[0-9a-f]+:[0-9a-f]+@localhost\/simplefin$/);
    const read = await accountsVia(accessUrl);
    expect(read.status).toBe(200);
    const body = (await read.json()) as { accounts: { id: string }[] };
    expect(body.accounts.map((a) => a.id)).toEqual([checking]);
    expect(JSON.stringify(body)).not.toContain(visa);

    expect((await claimVia(setupToken)).status).toBe(403);
    const { html } = await alice.page('/simplefin-tokens');
    expect(html).toContain('in use');
    expect(html).toContain('(1 requests)');
    expect(html).toMatch(/possible leak: claimed again 1 time/);
    expect(html).toContain('Someone else may have a copy of it');
    expect(html).not.toContain(new URL(accessUrl).password);
  });

  it('revokes an access: the app then gets 403', async () => {
    const [token] = await h.store.listSimplefinTokens(familyId);
    const res = await alice.post(`/simplefin-tokens/${token!.id}/revoke`);
    expect(res.status).toBe(302);
    const page = await alice.page(res.headers.get('location')!);
    expect(page.html).toContain('Access revoked');
    expect(page.html).toContain('>revoked<');
    expect((await accountsVia(accessUrl)).status).toBe(403);
    // Revoked access no longer raises the leak banner.
    expect(page.html).not.toContain('Someone else may have a copy of it');
  });

  it('is for family administrators only', async () => {
    const bob = await login(h.app, 'bob');
    expect((await bob.request('/simplefin-tokens')).status).toBe(403);
    const res = await bob.post('/simplefin-tokens', { name: 'x', account: [checking] });
    expect(res.status).toBe(403);
  });
});

/** The JSON API: token authentication, validation errors naming the field, and POST /autoimport. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { seedAccount, seedConnection, seedTransaction } from '../fakes/ledger-seed.js';
import { Client, createHarness, setupFirstUser, type Harness } from './harness.js';

const SECRET = 'a-long-auto-import-secret';
let h: Harness;
let alice: Client;
let token: string;
let accountId: string;

beforeAll(async () => {
  h = await createHarness({ env: { AUTO_IMPORT_SECRET: SECRET } });
  alice = await setupFirstUser(h.app);
  const user = await h.store.db.selectFrom('web_users').selectAll().executeTakeFirstOrThrow();
  const conn = await seedConnection(h.store.db, user.family_id);
  accountId = await seedAccount(h.store.db, user.family_id, conn, { name: 'Checking' });
  await seedTransaction(h.store.db, accountId, {
    amountMinor: -450,
    date: '2026-11-02',
    description: 'Bakery',
  });
  await seedTransaction(h.store.db, accountId, {
    amountMinor: 100000,
    date: '2026-11-01',
    description: 'Salary',
  });
  token = await createApiToken(h.store, user.id, 'test');
});
afterAll(async () => {
  await h.close();
});

const api = (path: string, init: RequestInit = {}) => {
  const c = new Client(h.app);
  return c.request(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
};

describe('JSON API', () => {
  it('needs a valid token (or a session)', async () => {
    expect((await new Client(h.app).request('/api/accounts')).status).toBe(401);
    const bad = await new Client(h.app).request('/api/accounts', {
      headers: { authorization: 'Bearer sst_nope' },
    });
    expect(bad.status).toBe(401);
    const ok = await api('/api/accounts');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { accounts: { id: string; name: string }[] };
    expect(body.accounts.map((a) => a.name)).toEqual(['Checking']);
    expect((await alice.request('/api/accounts')).status).toBe(200);
    const stored = await h.store.db.selectFrom('web_api_tokens').selectAll().execute();
    expect(stored[0]!.token_hash).not.toContain(token.slice(4));
    expect(stored[0]!.last_used_at).not.toBeNull();
  });

  it('searches transactions and rejects bad input naming the field', async () => {
    const res = await api(`/api/accounts/${accountId}/transactions?q=bak`);
    const body = (await res.json()) as {
      total: number;
      transactions: { description: string; amount_minor: number }[];
    };
    expect(body.total).toBe(1);
    expect(body.transactions[0]).toMatchObject({ description: 'Bakery', amount_minor: -450 });
    const bad = await api(`/api/accounts/${accountId}/transactions?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^from: /);
    const noSuchDay = await api(`/api/accounts/${accountId}/transactions?from=2026-13-45`);
    expect(noSuchDay.status).toBe(400);
    expect(((await noSuchDay.json()) as { error: string }).error).toMatch(/^from: .*2026-13-45/);
    const feb30 = await api(`/api/accounts/${accountId}/transactions?to=2026-02-30`);
    expect(((await feb30.json()) as { error: string }).error).toMatch(/^to: /);
    const backwards = await api(`/api/accounts/${accountId}/transactions?from=2026-11-05&to=2026-11-01`);
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { error: string }).error).toMatch(/^from: .*after to/);
    const patch = await api(`/api/accounts/${accountId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ currency: 'dollars' }),
    });
    expect(patch.status).toBe(400);
    expect(((await patch.json()) as { error: string }).error).toMatch(/^currency: /);
    // A start date in the future would make every later sync fail: refused, naming the field.
    const future = await api(`/api/accounts/${accountId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ startDate: '3000-01-01' }),
    });
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: string }).error).toMatch(
      /^startDate: must not be in the future \(today is \d{4}-\d{2}-\d{2}\)$/,
    );
    const good = await api(`/api/accounts/${accountId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Main checking', startDate: '2026-01-01' }),
    });
    expect(good.status, await good.clone().text()).toBe(200);
    expect(((await good.json()) as { account: { name: string; currency: string } }).account).toMatchObject({
      name: 'Main checking',
      sync_start_date: '2026-01-01',
    });
  });

  it('documents itself, to a valid token or session only', async () => {
    const docs = await alice.page('/api/docs');
    expect(docs.res.status).toBe(200);
    expect(docs.html).toContain('/api/accounts/{id}/transactions');
    expect((await api('/api/docs')).status).toBe(200);
    const forged = await new Client(h.app).request('/api/docs', {
      headers: { authorization: 'Bearer sst_made-up' },
    });
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toContain('/api/accounts/{id}/transactions');
    expect((await new Client(h.app).request('/api/docs')).status).toBe(401);
  });
});

describe('a body that is not JSON', () => {
  const changing = () =>
    h.app.routes
      .filter((r) => ['POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method))
      .filter((r) => r.path.startsWith('/api/'))
      .map((r) => ({ method: r.method, path: r.path.replace(/:[A-Za-z_]+/g, accountId) }));

  it('is refused with 400 by every JSON route, before anything runs', async () => {
    expect(changing().map((r) => r.path)).toEqual(expect.arrayContaining(['/api/sync', '/api/import']));
    for (const r of changing()) {
      const res = await api(r.path, {
        method: r.method,
        headers: { 'content-type': 'application/json' },
        body: '{"accountIds": [',
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
      expect(((await res.json()) as { error: string }).error, r.path).toMatch(/^body: not valid JSON/);
    }
    // Without a content type too: the API only speaks JSON.
    const plain = await api('/api/sync', { method: 'POST', body: 'accountIds=all' });
    expect(plain.status).toBe(400);
    const user = await h.store.db.selectFrom('web_users').selectAll().executeTakeFirstOrThrow();
    expect(await h.store.listRuns(user.family_id, { limit: 10 })).toEqual([]);
    expect(await h.store.getAccount(user.family_id, accountId)).toMatchObject({ name: 'Main checking' });
  });

  it('is refused by the web pages that take JSON and by /autoimport', async () => {
    const res = await alice.request('/import/start', {
      method: 'POST',
      headers: { 'x-csrf-token': alice.csrf, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    const auto = await new Client(h.app).request('/autoimport', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auto-import-secret': SECRET },
      body: '{not json',
    });
    expect(auto.status).toBe(400);
    expect(((await auto.json()) as { error: string }).error).toMatch(/JSON/);
    // Without the secret, the body is not even looked at.
    const anonymous = await new Client(h.app).request('/autoimport', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /autoimport', () => {
  const post = (query: string, body: string, headers: Record<string, string> = {}) =>
    new Client(h.app).request(`/autoimport${query}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const config = JSON.stringify({ version: 3, flow: 'sophtron', accounts: { 'not-linked-here': 0 } });

  it('refuses a missing or wrong secret, in the query or the header', async () => {
    expect((await post('', config)).status).toBe(401);
    expect((await post('?secret=wrong-wrong-wrong-wrong', config)).status).toBe(401);
    expect((await post('', config, { 'x-auto-import-secret': `${SECRET}x` })).status).toBe(401);
  });

  it('checks the configuration and says which key is wrong', async () => {
    const res = await post(`?secret=${SECRET}`, JSON.stringify({ version: 3, flow: 'nordigen' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('flow');
    const empty = await post('', '', { 'x-auto-import-secret': SECRET });
    expect(empty.status).toBe(400);
  });

  it('runs a configuration (here: Firefly III is not connected, so it says so)', async () => {
    const res = await post('', config, { 'x-auto-import-secret': SECRET });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toContain('Firefly III is not connected');
  });

  it('does not exist without AUTO_IMPORT_SECRET', async () => {
    const plain = await createHarness();
    try {
      const res = await new Client(plain.app).request('/autoimport?secret=anything-at-all-here', {
        method: 'POST',
        body: config,
      });
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

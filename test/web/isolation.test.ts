/**
 * Cross-family isolation: for every route of the app that takes an id (enumerated from the Hono
 * app, so a new route cannot escape), a person of another family sending this family's real ids
 * gets 404 — not 403, so existence does not leak — over pages and over the JSON API.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SophtronApi } from '../../src/sophtron/api.js';
import { channelsRepository } from '../../src/scheduler/notifications/channels.js';
import { createApiToken } from '../../src/web/auth/api-tokens.js';
import { seedAccount, seedConnection, seedTransaction } from '../fakes/ledger-seed.js';
import type { Client } from './harness.js';
import { createHarness, login, PASSWORD, setupFirstUser, type Harness } from './harness.js';

/** A Sophtron that knows one bank and whose jobs never finish (enough to open a connect session). */
const slowSophtron = {
  testCredentials: async () => ({ result: 'accepted' }),
  searchInstitutions: async () => [],
  getInstitution: async (id: string) => ({
    id,
    name: 'Slow Bank',
    url: null,
    logoUrl: null,
    countryCode: 'US',
    loginForm: { usernameLabel: 'User ID', passwordLabel: 'Password' },
  }),
  createConnection: async () => ({ jobId: 'job-1', userInstitutionId: 'ui-1' }),
  getJob: async () => ({ state: 'running', step: 'waiting', status: null }),
  callCounts: () => ({}),
} as unknown as SophtronApi;

let h: Harness;
let alice: Client;
let bob: Client;
let bobToken: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness({
    services: {
      sophtron: {
        describe: async () => ({ userId: 'u', baseUrl: null, source: 'saved' }),
        save: async () => undefined,
        remove: async () => undefined,
        test: async () => ({ result: 'accepted' }),
        client: async () => slowSophtron,
      },
    },
  });
  alice = await setupFirstUser(h.app);
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
  bob = await login(h.app, 'bob');

  const db = h.store.db;
  const aliceUser = await db
    .selectFrom('web_users')
    .selectAll()
    .where('username', '=', 'alice')
    .executeTakeFirstOrThrow();
  const bobUser = await db
    .selectFrom('web_users')
    .selectAll()
    .where('username', '=', 'bob')
    .executeTakeFirstOrThrow();
  const famA = aliceUser.family_id;
  ids.connection = await seedConnection(db, famA, {
    status: 'needs_attention',
    institutionName: 'Alice Bank',
  });
  ids.account = await seedAccount(db, famA, ids.connection, { name: 'Alice Checking' });
  ids.transaction = String(
    await seedTransaction(db, ids.account, {
      amountMinor: -1234,
      date: '2026-11-01',
      description: 'Alice coffee',
    }),
  );
  ids.run = randomUUID();
  await db
    .insertInto('sync_runs')
    .values({
      id: ids.run,
      family_id: famA,
      trigger: 'web',
      started_at: new Date().toISOString(),
      finished_at: null,
      outcome: 'succeeded',
      error: null,
      sophtron_calls: 1,
    })
    .execute();
  await createApiToken(h.store, aliceUser.id, 'alice script');
  ids.token = (
    await db
      .selectFrom('web_api_tokens')
      .select('id')
      .where('user_id', '=', aliceUser.id)
      .executeTakeFirstOrThrow()
  ).id;
  bobToken = await createApiToken(h.store, bobUser.id, 'bob script');
  const channel = await channelsRepository(h.store).addChannel(famA, {
    name: 'alice hook',
    config: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' },
  });
  ids.channel = (channel as { id: string }).id;
  ids.simplefinToken = (
    await h.store.createSimplefinToken(famA, {
      name: 'alice budget app',
      accountIds: [ids.account],
      rootUrl: 'http://127.0.0.1/simplefin',
      claimHash: 'not-a-real-hash',
      claimExpiresAt: '2099-01-01T00:00:00.000Z',
      expiresAt: null,
      refreshHours: null,
      createdBy: null,
      now: new Date().toISOString(),
    })
  ).id;

  // In-memory resources of alice: a connect session, an import draft, a background task.
  await alice.page('/connect');
  const conn = await alice.post('/connect/bank/slow-bank', { username: 'a', password: 'b' });
  ids.connectSession = /\/connect\/session\/(.+)$/.exec(conn.headers.get('location')!)![1]!;
  const draft = await alice.post('/import/start');
  ids.draft = /\/import\/([^/]+)\/accounts/.exec(draft.headers.get('location')!)![1]!;
  const sync = await alice.post('/sync');
  ids.task = /\/sync\/live\/(.+)$/.exec(sync.headers.get('location')!)![1]!;
});
afterAll(async () => {
  await h.close();
});

/** Which of alice's ids a route's parameter means; a new parameterised route must be added here. */
function concrete(path: string): string | null {
  // Not family resources: static files, and Sophtron's public list of banks.
  // SimpleFIN's claim code is a one-time secret, not an id (simplefin.e2e tests it).
  if (
    /^\/assets\/:name$/.test(path) ||
    /^\/connect\/bank\/:institutionId$/.test(path) ||
    /^\/simplefin\/claim\/:code/.test(path)
  )
    return null;
  const table: [RegExp, string][] = [
    [
      /^\/accounts\/:id\/transactions\/:tid\/delete$/,
      `/accounts/${ids.account}/transactions/${ids.transaction}/delete`,
    ],
    [/^\/accounts\/:id/, ids.account!],
    [/^\/api\/accounts\/:id/, ids.account!],
    [/^\/api\/transactions\/:id/, ids.transaction!],
    [/^\/api\/connections\/:id/, ids.connection!],
    [/^\/api\/sync\/runs\/:id/, ids.run!],
    [/^\/connections\/:id/, ids.connection!],
    [/^\/connect\/reconnect\/:connectionId/, ids.connection!],
    [/^\/connect\/session\/:id/, ids.connectSession!],
    [/^\/sync\/history\/:id/, ids.run!],
    [/^\/sync\/live\/:id/, ids.task!],
    [/^\/tasks\/:id/, ids.task!],
    [/^\/tokens\/:id/, ids.token!],
    [/^\/import\/:id/, ids.draft!],
    [/^\/schedule\/notify\/:id/, ids.channel!],
    [/^\/simplefin-tokens\/:id/, ids.simplefinToken!],
  ];
  for (const [re, value] of table) {
    if (!re.test(path)) continue;
    if (value.startsWith('/')) return value;
    return path.replace(/:[A-Za-z]+/, value);
  }
  throw new Error(
    `route ${path} takes an id but the isolation test does not know which: add it to the table`,
  );
}

const routesWithIds = () => {
  const seen = new Set<string>();
  return h.app.routes
    .filter((r) => r.method !== 'ALL' && r.path.includes(':'))
    .filter((r) => {
      const k = `${r.method} ${r.path}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
};

describe('another family', () => {
  it('owner sees its own resources (the ids are real)', async () => {
    expect((await alice.request(`/accounts/${ids.account}`)).status).toBe(200);
    expect((await alice.request(`/sync/history/${ids.run}`)).status).toBe(200);
    expect((await alice.request(`/connect/session/${ids.connectSession}`)).status).toBe(200);
    expect((await alice.request(`/import/${ids.draft}/accounts`)).status).toBe(200);
    expect((await alice.request(`/api/accounts/${ids.account}`)).status).toBe(200);
  });

  it('gets 404 for every route with another family’s id, over pages and the API', async () => {
    const checked: string[] = [];
    for (const r of routesWithIds()) {
      const path = concrete(r.path);
      if (path === null) continue;
      const body = r.method === 'PATCH' ? JSON.stringify({ name: 'stolen' }) : undefined;
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      const viaSession = await bob.request(path, {
        method: r.method,
        headers: { ...headers, ...(r.method === 'GET' ? {} : { 'x-csrf-token': bob.csrf }) },
        ...(body ? { body } : {}),
      });
      if (r.path.startsWith('/schedule/')) {
        // The scheduler's page answers an unknown id with a flash redirect: a foreign id must get
        // exactly the answer an id that does not exist gets (no existence leak), and change nothing.
        const unknown = await bob.request(path.replace(ids.channel!, randomUUID()), {
          method: r.method,
          headers: { 'x-csrf-token': bob.csrf },
        });
        expect([viaSession.status, viaSession.headers.get('location')], `${r.method} ${path}`).toEqual([
          unknown.status,
          unknown.headers.get('location'),
        ]);
      } else expect(viaSession.status, `${r.method} ${path} (bob's session)`).toBe(404);
      if (r.path.startsWith('/api/')) {
        const viaToken = await bob.request(path, {
          method: r.method,
          headers: { ...headers, authorization: `Bearer ${bobToken}` },
          ...(body ? { body } : {}),
        });
        expect(viaToken.status, `${r.method} ${path} (bob's token)`).toBe(404);
      }
      checked.push(`${r.method} ${r.path}`);
    }
    expect(checked.length).toBeGreaterThan(20);
    // Nothing was changed or deleted.
    const acc = await h.store.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', ids.account!)
      .executeTakeFirstOrThrow();
    expect(acc.name).toBe('Alice Checking');
    expect(
      await h.store.db
        .selectFrom('transactions')
        .select('id')
        .where('id', '=', Number(ids.transaction))
        .executeTakeFirst(),
    ).toBeTruthy();
    expect(
      await h.store.db
        .selectFrom('web_api_tokens')
        .select('id')
        .where('id', '=', ids.token!)
        .executeTakeFirst(),
    ).toBeTruthy();
    expect(
      await h.store.db
        .selectFrom('notification_channels')
        .select('id')
        .where('id', '=', ids.channel!)
        .executeTakeFirst(),
    ).toBeTruthy();
  });

  it('lists none of it', async () => {
    const home = await bob.page('/');
    expect(home.html).not.toContain('Alice');
    const api = await bob.request('/api/accounts', { headers: { authorization: `Bearer ${bobToken}` } });
    expect(await api.json()).toEqual({ accounts: [] });
    const conns = await bob.request('/api/connections', { headers: { authorization: `Bearer ${bobToken}` } });
    expect(await conns.json()).toEqual({ connections: [] });
    expect((await bob.page('/sync/history')).html).not.toContain(ids.run);
  });
});

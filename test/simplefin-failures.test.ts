/**
 * SimpleFIN's failed-authentication limit through real servers on both databases
 * (vitest.config.ts lists this suite): the client address follows TRUST_PROXY like the web's login
 * throttle, and the count lives in the database, so two servers on one ledger share it.
 */
import { listen } from '../src/http/listen.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { createSetupToken } from '../src/simplefin/index.js';
import { MAX_FAILURES } from '../src/simplefin/limits.js';
import { createSimplefinServer } from '../src/simplefin/server.js';
import { openStore, type Store } from '../src/store/index.js';
import { seedAccount, seedFamily } from './fakes/ledger-seed.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { claim, splitAccessUrl } from './helpers/simplefin-client.js';

let database: TestDatabase;
const stores: Store[] = [];
const stops: (() => Promise<void>)[] = [];
let family: string;
let account: string;

/** A SimpleFIN server of its own (its own store, so its own connections) on the shared ledger. */
async function startServer(trustProxy: number): Promise<string> {
  const store = await openStore(
    { dataDir: database.dataDir, databaseUrl: database.url },
    { onKeyGenerated: () => {} },
  );
  stores.push(store);
  const router = createSimplefinServer({
    store,
    logger: createLogger('silent'),
    rateLimitPerHour: 600,
    createPage: '/simplefin-tokens',
    trustProxy,
  });
  const { server, address } = await listen(new Hono().route('/simplefin', router).fetch, {
    port: 0,
    host: '127.0.0.1',
  });
  stops.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${address.port}/simplefin`;
}

const WRONG = `Basic ${Buffer.from('nobody:wrong').toString('base64')}`;

/** GET /accounts with these credentials, as the client behind `forwardedFor` (when given). */
async function accounts(root: string, authorization: string, forwardedFor?: string): Promise<number> {
  const r = await fetch(`${root}/accounts?balances-only=1`, {
    headers: { authorization, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
  });
  await r.arrayBuffer();
  return r.status;
}

/** An Access URL over the family's account, claimed at `root`; its Authorization header. */
async function validAuthorization(root: string): Promise<string> {
  const { setupToken } = await createSetupToken(stores[0]!, family, {
    name: 'app',
    accountIds: [account],
    baseUrl: root.replace(/\/simplefin$/, ''),
  });
  return splitAccessUrl((await claim(setupToken)).accessUrl).authorization;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const store = await openStore(
    { dataDir: database.dataDir, databaseUrl: database.url },
    { onKeyGenerated: () => {} },
  );
  stores.push(store);
  family = await seedFamily(store.db, 'Family');
  account = await seedAccount(store.db, family, { name: 'Checking', balanceMinor: 100 });
});

beforeEach(async () => {
  await stores[0]!.db.deleteFrom('web_login_attempts').execute();
});

afterAll(async () => {
  for (const stop of stops) await stop();
  for (const s of stores) await s.close();
  await database?.dispose();
});

describe('SimpleFIN failed authentications', () => {
  it('behind TRUST_PROXY, two clients with different X-Forwarded-For are limited separately', async () => {
    const root = await startServer(1);
    const good = await validAuthorization(root);
    for (let i = 1; i <= MAX_FAILURES; i++)
      expect(await accounts(root, WRONG, '203.0.113.1'), `try ${i}`).toBe(403);
    expect(await accounts(root, WRONG, '203.0.113.1')).toBe(429);
    expect(await accounts(root, good, '203.0.113.1')).toBe(429);
    // Another client through the same proxy: its own count, untouched.
    expect(await accounts(root, WRONG, '203.0.113.2')).toBe(403);
    expect(await accounts(root, good, '203.0.113.2')).toBe(200);
    // Only the address the proxy saw counts: what the client put further left is its own choice.
    expect(await accounts(root, good, '198.51.100.7, 203.0.113.1')).toBe(429);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: the connection’s address is counted', async () => {
    const root = await startServer(0);
    const good = await validAuthorization(root);
    for (let i = 1; i <= MAX_FAILURES; i++)
      expect(await accounts(root, WRONG, `203.0.113.${i}`), `try ${i}`).toBe(403);
    expect(await accounts(root, good, '198.51.100.99')).toBe(429);
    expect(await accounts(root, good)).toBe(429);
  });

  it('two servers on the same database share the count, refused claims included', async () => {
    const a = await startServer(0);
    const b = await startServer(0);
    const good = await validAuthorization(a);
    const half = MAX_FAILURES / 2;
    for (let i = 0; i < half; i++) expect(await accounts(a, WRONG)).toBe(403);
    for (let i = 0; i < half - 1; i++) expect(await accounts(b, WRONG)).toBe(403);
    // A claim code nobody issued is a failure of the same address.
    const refused = await fetch(`${b}/claim/${'A'.repeat(43)}`, { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(await accounts(a, good)).toBe(429);
    expect(await accounts(b, good)).toBe(429);
    const again = await fetch(`${a}/claim/${'B'.repeat(43)}`, { method: 'POST' });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

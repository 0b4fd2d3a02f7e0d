/**
 * SimpleFIN end to end: a real `serve` (startApp on port 0, a real SQLite ledger) and a SimpleFIN
 * client written from the protocol text (test/helpers/simplefin-client.ts). Claim, info, accounts
 * with each parameter, v1 and v2 shapes; a token claimed twice is refused; an Access URL never
 * reaches another family's accounts nor accounts outside its scope; a revoked one answers 403; and
 * the log of the whole run holds none of the secrets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { listen } from '../src/http/listen.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { addDays } from '../src/dates.js';
import { createLogger } from '../src/log.js';
import { createSetupToken } from '../src/simplefin/index.js';
import { createSimplefinServer, type SimplefinServerDeps } from '../src/simplefin/server.js';
import { openStore, type Store } from '../src/store/index.js';
import { startApp, type StartedApp } from '../src/web/start.js';
import { seedAccount, seedConnection, seedFamily, seedTransaction, setBalance } from './fakes/ledger-seed.js';
import {
  accountsV1,
  accountsV2,
  claim,
  claimUrlOf,
  getAccounts,
  info,
  SimplefinHttpError,
  splitAccessUrl,
  type SimplefinTransaction,
} from './helpers/simplefin-client.js';

const noon = (date: string) => Date.parse(`${date}T12:00:00Z`) / 1000;
const TWO_DECIMALS = /^-?\d+\.\d{2}$/;

let dir: string;
let store: Store;
let app: StartedApp;
const logLines: string[] = [];
const secrets: string[] = [];
const today = new Date().toISOString().slice(0, 10);

/** A log destination that keeps every line written to it in `lines`. */
const sinkInto = (lines: string[]) =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });

const ids = {
  famA: '',
  famB: '',
  checking: '',
  visa: '',
  savings: '',
  yen: '',
  closed: '',
  other: '',
  bankOne: '',
  bankTwo: '',
  tx: {} as Record<string, number>,
};

async function tokenFor(familyId: string, accountIds: string[], extra: { expires?: string } = {}) {
  const created = await createSetupToken(store, familyId, {
    name: 'test app',
    accountIds,
    baseUrl: app.url,
    ...(extra.expires ? { expires: extra.expires } : {}),
  });
  secrets.push(created.setupToken, claimUrlOf(created.setupToken).split('/').pop()!);
  return created;
}

async function accessFor(familyId: string, accountIds: string[]): Promise<string> {
  const { accessUrl } = await claim((await tokenFor(familyId, accountIds)).setupToken);
  const u = new URL(accessUrl);
  secrets.push(u.username, u.password, splitAccessUrl(accessUrl).authorization.slice(6));
  return accessUrl;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ss-simplefin-'));
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'trace' });
  store = await openStore(config, { onKeyGenerated: () => {} });
  const db = store.db;
  ids.famA = await seedFamily(db, 'Family A');
  ids.famB = await seedFamily(db, 'Family B');
  ids.bankOne = await seedConnection(db, ids.famA, { institutionName: 'Bank One' });
  ids.bankTwo = await seedConnection(db, ids.famA, {
    institutionName: 'Bank Two',
    status: 'needs_attention',
  });
  ids.checking = await seedAccount(db, ids.famA, ids.bankOne, {
    name: 'Everyday Checking',
    balanceMinor: 152_040,
  });
  ids.visa = await seedAccount(db, ids.famA, ids.bankOne, {
    name: 'Visa Credit Card',
    kind: 'credit_card',
    balanceMinor: 53_269,
  });
  ids.savings = await seedAccount(db, ids.famA, ids.bankTwo, { name: 'Savings', balanceMinor: 1_000_000 });
  ids.yen = await seedAccount(db, ids.famA, ids.bankOne, {
    name: 'Yen wallet',
    currency: 'JPY',
    balanceMinor: 1500,
  });
  ids.closed = await seedAccount(db, ids.famA, ids.bankOne, { name: 'Old Savings', balanceMinor: 0 });
  ids.other = await seedAccount(db, ids.famB, { name: 'B Checking', balanceMinor: 999 });
  await store.setAccountSyncState(ids.famA, ids.yen, { outcome: 'failed', error: 'Sophtron answered 500' });

  const t = (name: string, id: number | bigint) => (ids.tx[name] = Number(id));
  t(
    'jan10',
    await seedTransaction(db, ids.checking, {
      amountMinor: -4000,
      date: '2026-01-10',
      description: 'GROCER 123 MAIN ST',
      merchant: 'Grocer',
      category: 'Groceries',
    }),
  );
  t(
    'jan20',
    await seedTransaction(db, ids.checking, { amountMinor: -50, date: '2026-01-20', description: 'PARKING' }),
  );
  t(
    'jan15',
    await seedTransaction(db, ids.checking, {
      amountMinor: 250_000,
      date: '2026-01-15',
      description: null,
      merchant: null,
      memo: 'payroll',
    }),
  );
  t(
    'recent',
    await seedTransaction(db, ids.checking, {
      amountMinor: -1234,
      date: addDays(today, -3),
      description: 'COFFEE CO',
      merchant: 'Coffee Co',
    }),
  );
  t(
    'old',
    await seedTransaction(db, ids.checking, {
      amountMinor: -999,
      date: addDays(today, -45),
      description: 'OLD BOOK STORE',
    }),
  );
  t(
    'pending',
    await seedTransaction(db, ids.checking, {
      amountMinor: -2500,
      date: addDays(today, -1),
      status: 'pending',
      description: 'HOLD GAS STATION',
    }),
  );
  t(
    'vanished',
    await seedTransaction(db, ids.checking, {
      amountMinor: -700,
      date: addDays(today, -2),
      status: 'vanished',
      description: 'VANISHED HOLD',
    }),
  );
  t(
    'deleted',
    await seedTransaction(db, ids.checking, {
      amountMinor: -800,
      date: addDays(today, -2),
      description: 'DELETED BY ME',
    }),
  );
  await store.deleteTransaction(ids.famA, ids.tx.deleted!);
  t(
    'visaBuy',
    await seedTransaction(db, ids.visa, {
      amountMinor: -5999,
      date: addDays(today, -4),
      description: 'BOOKSHOP',
    }),
  );
  t(
    'yen',
    await seedTransaction(db, ids.yen, {
      amountMinor: -1500,
      date: addDays(today, -4),
      currency: 'JPY',
      description: 'RAMEN',
    }),
  );
  t(
    'otherFamily',
    await seedTransaction(db, ids.other, {
      amountMinor: -1,
      date: addDays(today, -1),
      description: 'B SECRET',
    }),
  );
  await setBalance(db, ids.checking, 152_040);

  app = await startApp(config, {
    logger: createLogger('trace', sinkInto(logLines)),
    store,
    sandbox: null,
    scheduler: false,
  });
});

afterAll(async () => {
  await app?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Serves a SimpleFIN router of its own (other limits) on a port of its own, at /simplefin as serve
 * mounts it, and hands `use` an Access URL to it over family A's `accountIds`.
 */
async function withOwnServer(
  limits: Pick<SimplefinServerDeps, 'rateLimitPerHour' | 'pageSize' | 'createPage'>,
  accountIds: string[],
  use: (access: string) => Promise<void>,
) {
  const router = createSimplefinServer({ store, logger: createLogger('silent'), ...limits });
  const { server, address } = await listen(new Hono().route('/simplefin', router).fetch, {
    port: 0,
    host: '127.0.0.1',
  });
  const port = address.port;
  try {
    const access = (await accessFor(ids.famA, accountIds)).replace(
      /@127\.0\.0\.1:\d+\//,
      `@127.0.0.1:${port}/`,
    );
    await use(access);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const allAccountsOfA = () => [ids.checking, ids.visa, ids.savings, ids.yen, ids.closed];

describe('claim', () => {
  it('a setup token is the Base64 of a claim URL under /simplefin/claim/, claimed once for a bare Access URL', async () => {
    const { setupToken } = await tokenFor(ids.famA, [ids.checking]);
    expect(setupToken).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(Buffer.from(setupToken, 'base64').toString(), 'utf8').toString('base64')).toBe(
      setupToken,
    );
    const claimUrl = claimUrlOf(setupToken);
    expect(claimUrl).toMatch(/^https?:\/\/.+\/simplefin\/claim\/.+$/);
    const { accessUrl, response } = await claim(setupToken);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(accessUrl).toMatch(/^http:\/\/[0-9a-f]{32}:[0-9a-f]{64}@127\.0\.0\.1:\d+\/simplefin$/);
    expect(accessUrl).toBe(accessUrl.trim());
    secrets.push(new URL(accessUrl).password);

    const again = await claim(setupToken).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(SimplefinHttpError);
    expect((again as SimplefinHttpError).status).toBe(403);
    const [listed] = (await store.listSimplefinTokens(ids.famA)).filter(
      (t) => t.claimed_at && t.refused_claims > 0,
    );
    expect(listed).toMatchObject({ refused_claims: 1 });
    expect(listed!.last_refused_claim_at).not.toBeNull();
    // The Access URL from the first claim still works.
    expect((await accountsV1(accessUrl)).accounts.map((a) => a.id)).toEqual([ids.checking]);
  });

  it('an unknown, malformed or revoked-before-claim token is refused with 403, never redirected', async () => {
    const root = `${app.url}/simplefin`;
    for (const path of ['/claim/' + 'x'.repeat(43), '/claim/short', '/claim/a%2F..%2F..%2Fsetup']) {
      const r = await fetch(`${root}${path}`, { method: 'POST', redirect: 'manual' });
      expect(r.status, path).toBe(403);
      expect(await r.text()).toBe('Forbidden');
    }
    const created = await tokenFor(ids.famA, [ids.checking]);
    await store.revokeSimplefinToken(ids.famA, created.token.id, new Date().toISOString());
    const r = await claim(created.setupToken).catch((e: unknown) => e);
    expect((r as SimplefinHttpError).status).toBe(403);
  });
});

describe('info', () => {
  it('answers the versions served, without credentials', async () => {
    expect(await info(`${app.url}/simplefin`)).toEqual({ versions: ['1.0', '2.0'] });
    // GET /create, the protocol's page for people, leads to the page that makes setup tokens.
    const create = await fetch(`${app.url}/simplefin/create`, { redirect: 'manual' });
    expect(create.status).toBe(302);
    expect(create.headers.get('location')).toBe('/simplefin-tokens');
  });
});

describe('accounts', () => {
  let access: string;
  beforeAll(async () => {
    access = await accessFor(ids.famA, allAccountsOfA());
    // Unlinked after the token was made: it stays in the token's scope but is no longer served.
    await store.unlinkAccount(ids.famA, ids.closed);
  });

  it('v1 by default: org with domain, name and sfin-url; two-decimal strings; JSON content type; errors in the protocol words', async () => {
    const r = await getAccounts(access);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json; charset=utf-8');
    const set = await accountsV1(access);
    expect(set.accounts.map((a) => a.name)).toEqual([
      'Everyday Checking',
      'Savings',
      'Visa Credit Card',
      'Yen wallet',
    ]);
    const raw = r.json as { accounts: Record<string, unknown>[]; errlist?: unknown; connections?: unknown };
    expect(raw.errlist).toBeUndefined();
    expect(raw.connections).toBeUndefined();
    for (const a of set.accounts) {
      expect(a.org).toMatchObject({ domain: '127.0.0.1', 'sfin-url': `${app.url}/simplefin` });
      expect(a.org.name).toMatch(/^Bank (One|Two)$/);
      expect(a.balance).toMatch(TWO_DECIMALS);
      expect(a['available-balance']).toMatch(TWO_DECIMALS);
      expect(Number.isInteger(a['balance-date'])).toBe(true);
      expect(a.transactions).toBeDefined();
      expect(raw.accounts.find((x) => x.id === a.id)!.holdings).toEqual([]);
      for (const t of a.transactions!) {
        expect(t.amount).toMatch(TWO_DECIMALS);
        expect(t.payee).toBeTruthy();
        expect(t.description).toBeTruthy();
      }
    }
    const checking = set.accounts.find((a) => a.id === ids.checking)!;
    expect(checking.balance).toBe('1520.40');
    // A card's balance owed is negative, as SimpleFIN clients expect; its available credit positive.
    const visa = set.accounts.find((a) => a.id === ids.visa)!;
    expect(visa.balance).toBe('-532.69');
    expect(visa.transactions![0]).toMatchObject({ amount: '-59.99', pending: false });
    // Zero-decimal currencies still carry two decimals: 1500 yen is "1500.00", never "15.00".
    const yen = set.accounts.find((a) => a.id === ids.yen)!;
    expect(yen).toMatchObject({ currency: 'JPY', balance: '1500.00' });
    expect(yen.transactions![0]!.amount).toBe('-1500.00');
    // Bank Two needs attention; Yen wallet's last sync failed: the words Actual and Home Assistant match.
    expect(set.errors).toContain('Connection to Bank Two may need attention');
    expect(set.errors).toContain('Connection to Bank One may need attention');
    expect(set.errors.some((e) => e.startsWith('Old Savings is no longer synced'))).toBe(true);
    expect(JSON.stringify(set)).not.toContain(ids.closed);
  });

  it('without start-date: the last 30 days of posted transactions only, and x-api-message says so', async () => {
    const r = await getAccounts(access);
    const body = r.json as { 'x-api-message': string[] };
    expect(body['x-api-message'].join(' ')).toMatch(/start-date/);
    const set = await accountsV1(access);
    const checking = set.accounts.find((a) => a.id === ids.checking)!;
    expect(checking.transactions!.map((t) => t.id)).toEqual([String(ids.tx.recent)]);
  });

  it('a transaction: the ledger row id, posted at 12:00 UTC of its date, payee, memo, transacted_at, pending false, extra.category', async () => {
    const set = await accountsV1(access, {
      startDate: noon('2026-01-01'),
      endDate: noon('2026-02-01'),
      account: [ids.checking],
    });
    const [jan10, jan15, jan20] = set.accounts[0]!.transactions!;
    expect(jan10).toEqual({
      id: String(ids.tx.jan10),
      posted: noon('2026-01-10'),
      amount: '-40.00',
      description: 'GROCER 123 MAIN ST',
      payee: 'Grocer',
      memo: '',
      transacted_at: noon('2026-01-10'),
      pending: false,
      extra: { category: 'Groceries' },
    });
    // Without description and merchant: still a description and a payee (Actual aborts without one).
    expect(jan15).toMatchObject({
      amount: '2500.00',
      description: 'payroll',
      payee: 'payroll',
      memo: 'payroll',
    });
    expect(jan20).toMatchObject({ amount: '-0.50', description: 'PARKING', payee: 'PARKING' });
  });

  it('start-date is inclusive, end-date exclusive (decimals floored); start ≥ end gives no transactions', async () => {
    const ids10to20 = async (startDate: number, endDate: number) =>
      (
        await accountsV1(access, { startDate, endDate, account: [ids.checking] })
      ).accounts[0]!.transactions!.map((t) => t.id);
    const [j10, j15, j20] = [ids.tx.jan10, ids.tx.jan15, ids.tx.jan20].map(String);
    expect(await ids10to20(noon('2026-01-10'), noon('2026-01-20'))).toEqual([j10, j15]);
    expect(await ids10to20(noon('2026-01-10') + 1, noon('2026-01-20') + 1)).toEqual([j15, j20]);
    expect(await ids10to20(noon('2026-01-20'), noon('2026-01-10'))).toEqual([]);
    const decimals = await accountsV1(access, {
      account: [ids.checking],
      startDate: noon('2026-01-10') + 0.75,
      endDate: noon('2026-01-16'),
    });
    // Floored, not rounded up: noon of the 10th + 0.75 s still includes the 10th.
    expect(decimals.accounts[0]!.transactions!.map((t) => t.id)).toEqual([j10, j15]);
    // A long range (Firefly starts at 0) is served whole, not capped.
    const all = await accountsV1(access, { startDate: 0, account: [ids.checking] });
    expect(all.accounts[0]!.transactions!.map((t) => t.id)).toEqual(
      [ids.tx.jan10, ids.tx.jan15, ids.tx.jan20, ids.tx.old, ids.tx.recent].map(String),
    );
  });

  it('pending=1 adds pending rows (posted 0, transacted_at set); pending=0 or absent leaves them out; vanished and deleted rows never appear', async () => {
    const since = noon(addDays(today, -10));
    const txns = async (pending?: boolean) =>
      (
        await accountsV1(access, {
          startDate: since,
          account: [ids.checking],
          ...(pending === undefined ? {} : { pending }),
        })
      ).accounts[0]!.transactions!;
    const withPending = await txns(true);
    const hold = withPending.find((t) => t.id === String(ids.tx.pending))!;
    expect(hold).toMatchObject({
      posted: 0,
      pending: true,
      amount: '-25.00',
      transacted_at: noon(addDays(today, -1)),
    });
    expect(withPending.map((t) => t.id)).toEqual([String(ids.tx.recent), String(ids.tx.pending)]);
    for (const answer of [await txns(false), await txns(undefined)]) {
      expect(answer.map((t: SimplefinTransaction) => t.id)).toEqual([String(ids.tx.recent)]);
    }
    const text = (await getAccounts(access, { startDate: 0, pending: true })).text;
    expect(text).not.toContain('VANISHED HOLD');
    expect(text).not.toContain('DELETED BY ME');
  });

  it('account (repeatable) narrows the answer; an unknown id or one outside the scope is left out', async () => {
    const set = await accountsV1(access, { account: [ids.visa, ids.savings, 'no-such-account', ids.other] });
    expect(set.accounts.map((a) => a.id).sort()).toEqual([ids.savings, ids.visa].sort());
    expect(set.errors).not.toContain('Connection to Bank One may need attention');
  });

  it('balances-only=1: every account with its balance and an empty transactions list', async () => {
    const set = await accountsV1(access, { balancesOnly: true, startDate: 0, pending: true });
    expect(set.accounts).toHaveLength(4);
    for (const a of set.accounts) expect(a.transactions).toEqual([]);
  });

  it('version=2: connections with conn_id, accounts with conn_id (and org), errlist with code, msg and message', async () => {
    const set = await accountsV2(access, { startDate: 0 });
    expect(set.connections.map((c) => c.conn_id).sort()).toEqual([ids.bankOne, ids.bankTwo].sort());
    const bankTwo = set.connections.find((c) => c.conn_id === ids.bankTwo)!;
    expect(bankTwo).toMatchObject({ name: 'Bank Two', sfin_url: `${app.url}/simplefin` });
    const savings = set.accounts.find((a) => a.id === ids.savings)!;
    expect(savings.conn_id).toBe(ids.bankTwo);
    const raw = (await getAccounts(access, { version: '2' })).json as {
      errors: string[];
      errlist: { code: string; msg: string; message: string; conn_id?: string; account_id?: string }[];
      accounts: { org: unknown }[];
    };
    expect(raw.accounts.every((a) => a.org)).toBe(true);
    expect(raw.errors).toContain('Connection to Bank Two may need attention');
    const con = raw.errlist.find((e) => e.code === 'con.auth')!;
    expect(con).toMatchObject({ conn_id: ids.bankTwo });
    expect(con.msg).toBe(con.message);
    expect(con.msg).toMatch(/Bank Two/);
    expect(raw.errlist.find((e) => e.code === 'act.failed')).toMatchObject({ account_id: ids.yen });
    expect(raw.errlist.find((e) => e.code === 'act.missingdata')).toMatchObject({ account_id: ids.closed });
  });

  it('a trailing slash is served, not redirected; a bad parameter is a 400 naming it', async () => {
    const { root, authorization } = splitAccessUrl(access);
    const slash = await fetch(`${root}/accounts/?balances-only=1`, {
      headers: { authorization },
      redirect: 'manual',
    });
    expect(slash.status).toBe(200);
    const bad = await getAccounts(access, { startDate: 'yesterday' as unknown as number });
    expect(bad.status).toBe(400);
    expect((bad.json as { errors: string[] }).errors[0]).toMatch(/^start-date: /);
    const v3 = await getAccounts(access, { version: '3' });
    expect(v3.status).toBe(400);
    expect((v3.json as { errors: string[] }).errors[0]).toMatch(/^version: 1 or 2/);
  });

  it('the token lists its last use', async () => {
    const tokens = await store.listSimplefinTokens(ids.famA);
    const used = tokens.find((t) => t.accounts.length === 5)!;
    expect(used.last_used_at).not.toBeNull();
    expect(used.use_count).toBeGreaterThan(5);
  });
});

describe('scope and revocation', () => {
  it("family A's Access URL never returns family B's accounts, nor accounts outside its scope", async () => {
    const onlyChecking = await accessFor(ids.famA, [ids.checking]);
    const set = await accountsV1(onlyChecking, {
      startDate: 0,
      pending: true,
      account: [ids.visa, ids.other, ids.checking],
    });
    expect(set.accounts.map((a) => a.id)).toEqual([ids.checking]);
    const everything = (await getAccounts(onlyChecking, { startDate: 0, pending: true })).text;
    for (const outside of [ids.visa, ids.savings, ids.other, 'B Checking', 'B SECRET', 'BOOKSHOP'])
      expect(everything).not.toContain(outside);
    const b = await accessFor(ids.famB, [ids.other]);
    const bSet = await accountsV1(b, { startDate: 0, account: [ids.checking] });
    expect(bSet.accounts).toEqual([]);
  });

  it("a token cannot be made over another family's accounts", async () => {
    await expect(tokenFor(ids.famB, [ids.checking])).rejects.toThrow(/not a linked account of this family/);
  });

  it('a revoked Access URL answers 403, and so do wrong or missing credentials (never 401)', async () => {
    const created = await tokenFor(ids.famA, [ids.checking]);
    const { accessUrl } = await claim(created.setupToken);
    secrets.push(new URL(accessUrl).password);
    expect((await getAccounts(accessUrl)).status).toBe(200);
    expect(await store.revokeSimplefinToken(ids.famA, created.token.id, new Date().toISOString())).toBe(true);
    const revoked = await getAccounts(accessUrl);
    expect(revoked.status).toBe(403);
    expect(revoked.text).toBe('Forbidden');
    const u = new URL(accessUrl);
    u.password = 'f'.repeat(64);
    expect((await getAccounts(u.toString())).status).toBe(403);
    const bare = await fetch(`${app.url}/simplefin/accounts`, { redirect: 'manual' });
    expect(bare.status).toBe(403);
  });

  it('an expired Access URL answers 403', async () => {
    const created = await tokenFor(ids.famA, [ids.checking], { expires: addDays(today, 1) });
    const { accessUrl } = await claim(created.setupToken);
    secrets.push(new URL(accessUrl).password);
    expect((await getAccounts(accessUrl)).status).toBe(200);
    await store.db
      .updateTable('simplefin_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', created.token.id)
      .execute();
    expect((await getAccounts(accessUrl)).status).toBe(403);
  });
});

describe('limits and streaming', () => {
  it('over the hourly limit: a warning first (in errors), then 429 with Retry-After and an Account Set body', async () => {
    await withOwnServer(
      { rateLimitPerHour: 5, createPage: '/simplefin-tokens' },
      [ids.checking],
      async (access) => {
        const statuses: number[] = [];
        let warned = false;
        for (let i = 0; i < 7; i++) {
          const r = await getAccounts(access, { balancesOnly: true });
          statuses.push(r.status);
          if (r.status === 200 && (r.json as { errors: string[] }).errors.some((e) => /rate limit/i.test(e)))
            warned = true;
          if (r.status === 429) {
            expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
            expect((r.json as { errors: string[]; accounts: unknown[] }).accounts).toEqual([]);
          }
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
        expect(warned).toBe(true);
      },
    );
  });

  it('pages through a history in small reads: every row once, in the order they happened, across equal dates', async () => {
    const account = await seedAccount(store.db, ids.famA, ids.bankOne, { name: 'Busy', balanceMinor: 1 });
    const expected: number[] = [];
    for (let i = 0; i < 23; i++)
      expected.push(
        Number(
          await seedTransaction(store.db, account, {
            amountMinor: -(i + 1),
            date: `2025-0${1 + (i % 3)}-0${1 + (i % 2)}`,
          }),
        ),
      );
    await withOwnServer(
      { rateLimitPerHour: 100, pageSize: 4, createPage: '/x' },
      [account],
      async (access) => {
        const set = await accountsV1(access, { startDate: 0 });
        const got = set.accounts[0]!.transactions!;
        expect(got.map((t) => Number(t.id)).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        const order = got.map((t) => [t.transacted_at!, Number(t.id)] as const);
        expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
      },
    );
  });
});

describe('secrets', () => {
  it('a claim that fails inside is logged without its path (the one-time code is in it)', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'ss-simplefin-broken-'));
    const lines: string[] = [];
    const config2 = loadConfig({ DATA_DIR: dir2, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'trace' });
    const store2 = await openStore(config2, { onKeyGenerated: () => {} });
    const app2 = await startApp(config2, {
      logger: createLogger('trace', sinkInto(lines)),
      store: store2,
      sandbox: null,
      scheduler: false,
    });
    try {
      const family = await seedFamily(store2.db, 'Broken');
      const account = await seedAccount(store2.db, family, { name: 'Checking' });
      const created = await createSetupToken(store2, family, {
        name: 'x',
        accountIds: [account],
        baseUrl: app2.url,
      });
      const code = claimUrlOf(created.setupToken).split('/').pop()!;
      await store2.close(); // the ledger goes away under the running server
      const r = await fetch(claimUrlOf(created.setupToken), { method: 'POST', redirect: 'manual' });
      expect(r.status).toBe(500);
      const log = lines.join('');
      expect(log).toMatch(/SimpleFIN request failed/);
      expect(log).not.toContain(code);
    } finally {
      await app2.stop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('no setup token, claim code, Access URL credential or Basic header reaches the log', () => {
    const log = logLines.join('');
    expect(log).toMatch(/SimpleFIN setup token claimed/);
    expect(log).toMatch(/presented again after it was claimed/);
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) expect(log).not.toContain(s);
  });
});

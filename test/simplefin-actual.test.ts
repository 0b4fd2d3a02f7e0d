/**
 * A SimpleFIN client someone else wrote: Actual Budget's sync server (`@actual-app/sync-server`,
 * installed into a temp folder with a Node 24 from the registry: test/helpers/actual-sync-server.ts),
 * driven through its own HTTP API the way Actual's app does it: save the setup token, link
 * (`/simplefin/accounts`: it claims the token and reads `balances-only=1`), then sync
 * (`/simplefin/transactions`: `start-date`, `end-date`, `pending=1`, repeated `account`).
 * Skipped, with one line saying why, when it cannot be installed here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { addDays } from '../src/dates.js';
import { createLogger } from '../src/log.js';
import { createSetupToken } from '../src/simplefin/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { startApp, type StartedApp } from '../src/web/start.js';
import { seedAccount, seedConnection, seedFamily, seedTransaction } from './fakes/ledger-seed.js';
import {
  ACTUAL_VERSION,
  prepareActualServer,
  startActualServer,
  type RunningActual,
} from './helpers/actual-sync-server.js';

const prepared = await prepareActualServer((line) => process.stderr.write(`actual-sync-server: ${line}\n`));
if (!prepared.ok)
  process.stderr.write(
    `skipped: Actual's SimpleFIN client (@actual-app/sync-server ${ACTUAL_VERSION}) is not available: ${prepared.reason}\n`,
  );

let dir: string;
let store: Store;
let app: StartedApp;
let actual: RunningActual;
let token: string;
const ids = { family: '', checking: '', card: '', savings: '', hold: 0, coffee: 0 };
const today = new Date().toISOString().slice(0, 10);

/** Actual's own API: JSON in, `{ status, data }` out, the session token in X-ACTUAL-TOKEN. */
async function actualApi(
  path: string,
  body: unknown,
): Promise<{ status: string; data: Record<string, unknown> }> {
  const r = await fetch(`${actual.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-actual-token': token } : {}) },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`Actual ${path} answered ${r.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as { status: string; data: Record<string, unknown> };
}

describe.skipIf(!prepared.ok)(`Actual Budget ${ACTUAL_VERSION} as the SimpleFIN client`, () => {
  beforeAll(async () => {
    if (!prepared.ok) return;
    dir = mkdtempSync(join(tmpdir(), 'ss-simplefin-actual-'));
    const config = loadConfig({
      DATA_DIR: join(dir, 'ours'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    store = await openStore(config, { onKeyGenerated: () => {} });
    const family = await seedFamily(store.db, 'Family');
    ids.family = family;
    const bankOne = await seedConnection(store.db, family, { institutionName: 'Bank One' });
    const bankTwo = await seedConnection(store.db, family, {
      institutionName: 'Bank Two',
      status: 'needs_attention',
    });
    ids.checking = await seedAccount(store.db, family, bankOne, {
      name: 'Everyday Checking',
      balanceMinor: 152_040,
    });
    ids.card = await seedAccount(store.db, family, bankOne, {
      name: 'Visa Credit Card',
      kind: 'credit_card',
      balanceMinor: 53_269,
    });
    ids.savings = await seedAccount(store.db, family, bankTwo, { name: 'Savings', balanceMinor: 10_000 });
    ids.coffee = Number(
      await seedTransaction(store.db, ids.checking, {
        amountMinor: -450,
        date: addDays(today, -3),
        description: 'COFFEE CO 123',
        merchant: 'Coffee Co',
      }),
    );
    await seedTransaction(store.db, ids.checking, {
      amountMinor: 250_000,
      date: addDays(today, -10),
      description: 'PAYROLL ACME',
      merchant: null,
    });
    ids.hold = Number(
      await seedTransaction(store.db, ids.checking, {
        amountMinor: -2500,
        date: addDays(today, -1),
        status: 'pending',
        description: 'HOLD GAS STATION',
      }),
    );
    await seedTransaction(store.db, ids.card, {
      amountMinor: -5999,
      date: addDays(today, -4),
      description: 'BOOKSHOP',
    });
    app = await startApp(config, { logger: createLogger('silent'), store, sandbox: null, scheduler: false });
    const created = await createSetupToken(store, family, {
      name: 'Actual Budget',
      accountIds: [ids.checking, ids.card, ids.savings],
      baseUrl: app.url,
    });
    actual = await startActualServer(prepared.actual, mkdtempSync(join(dir, 'actual-')));
    await actualApi('/account/bootstrap', { password: 'simplefin-test' });
    token = String((await actualApi('/account/login', { password: 'simplefin-test' })).data.token);
    await actualApi('/secret', { name: 'simplefin_token', value: created.setupToken });
  });

  afterAll(async () => {
    await actual?.stop();
    await app?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('links: claims the setup token and lists our accounts with their banks and balances', async () => {
    const r = await actualApi('/simplefin/accounts', {});
    expect(r.status).toBe('ok');
    const accounts = r.data.accounts as {
      id: string;
      name: string;
      balance: string;
      org: { name: string; domain: string };
    }[];
    expect(accounts.map((a) => [a.id, a.name, a.org.name, a.balance]).sort()).toEqual(
      [
        [ids.checking, 'Everyday Checking', 'Bank One', '1520.40'],
        [ids.card, 'Visa Credit Card', 'Bank One', '-532.69'],
        [ids.savings, 'Savings', 'Bank Two', '100.00'],
      ].sort(),
    );
    // The setup token is spent: our server refused to give a second Access URL for it.
    const tokens = await store.listSimplefinTokens(ids.family);
    expect(tokens[0]!.claimed_at).not.toBeNull();
  });

  it('syncs: booked and pending transactions with payees, cents read right, one id per ledger row', async () => {
    const start = addDays(today, -89);
    const r = await actualApi('/simplefin/transactions', {
      accountId: [ids.checking, ids.card],
      startDate: [start, start],
    });
    expect(r.status).toBe('ok');
    type Txn = {
      transactionId: string;
      booked: boolean;
      date: string;
      payeeName: string;
      notes: string;
      transactionAmount: { amount: string };
    };
    const checking = r.data[ids.checking] as {
      startingBalance: number;
      transactions: { booked: Txn[]; pending: Txn[] };
    };
    // Actual reads the balance by dropping the point: exactly two decimals make it cents.
    expect(checking.startingBalance).toBe(152_040);
    expect(
      checking.transactions.booked.map((t) => [t.transactionId, t.payeeName, t.transactionAmount.amount]),
    ).toEqual([
      [String(ids.coffee), 'Coffee Co', '-4.50'],
      [expect.any(String), 'PAYROLL ACME', '2500.00'],
    ]);
    expect(checking.transactions.booked[0]!.date).toBe(addDays(today, -3));
    expect(checking.transactions.pending).toEqual([
      expect.objectContaining({
        transactionId: String(ids.hold),
        booked: false,
        date: addDays(today, -1),
        payeeName: 'HOLD GAS STATION',
      }),
    ]);
    const card = r.data[ids.card] as { startingBalance: number; transactions: { booked: Txn[] } };
    expect(card.startingBalance).toBe(-53_269);
    expect(card.transactions.booked.map((t) => t.transactionAmount.amount)).toEqual(['-59.99']);
  });

  it('flags an account whose bank login needs attention, from our errors in the protocol words', async () => {
    const start = addDays(today, -30);
    const r = await actualApi('/simplefin/transactions', {
      accountId: [ids.savings, ids.checking],
      startDate: [start, start],
    });
    const errors = (r.data as { errors?: Record<string, { error_code: string }[]> }).errors ?? {};
    expect(errors[ids.savings]?.map((e) => e.error_code)).toEqual(['ACCOUNT_NEEDS_ATTENTION']);
    expect(errors[ids.checking]).toBeUndefined();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/databases.js';
import { openStore, type Store } from '../../store/index.js';
import type { FakeFirefly } from '../../../test/fakes/firefly.js';
import { startFakeFirefly } from '../../../test/fakes/firefly.js';
import {
  seedAccount,
  seedFamily,
  seedTransaction,
  type SeedTransaction,
  setBalance,
  updateTransaction,
} from '../../../test/fakes/ledger-seed.js';
import { FireflyAuthError, FireflyClient, FireflyVersionError } from './client.js';
import { deliverFamily } from './deliver.js';
import { deliverToFirefly } from './index.js';

let database: TestDatabase;
let store: Store;
let fake: FakeFirefly;
let client: FireflyClient;

beforeEach(async () => {
  database = await createTestDatabase();
  store = await openStore(
    { dataDir: database.dataDir, databaseUrl: database.url },
    { onKeyGenerated: () => {} },
  );
  fake = await startFakeFirefly();
  client = new FireflyClient({ baseUrl: fake.url, token: fake.token, timeoutMs: 2_000, retryDelayMs: 10 });
});

afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.stop();
  await store.close();
  await database.dispose();
});

const deps = () => ({ store, client });

/** A family with one checking account (Sophtron id "a") and its bank balance. */
async function checkingAccount(balanceMinor = 0) {
  const family = await seedFamily(store.db);
  const acc = await seedAccount(store.db, family, {
    name: 'Checking',
    sophtronAccountId: 'a',
    balanceMinor,
  });
  return { family, acc };
}

/** A checking account with one transaction: 7.00 spent on 2026-02-01, unless `t` says otherwise. */
async function checkingWithOne(t: Partial<SeedTransaction> = {}) {
  const { family, acc } = await checkingAccount();
  const id = await seedTransaction(store.db, acc, {
    providerId: 'p1',
    amountMinor: -700,
    date: '2026-02-01',
    ...t,
  });
  return { db: store.db, family, acc, id };
}

describe('deliverFamily', () => {
  it('creates accounts in their currency with an opening balance that makes Firefly match the bank, then delivers each transaction once', async () => {
    const db = store.db;
    const family = await seedFamily(db);
    const checking = await seedAccount(db, family, {
      name: 'Checking',
      sophtronAccountId: 'acc-1',
      balanceMinor: 100_000,
    });
    const card = await seedAccount(db, family, {
      name: 'Visa',
      kind: 'credit_card',
      currency: 'CAD',
      sophtronAccountId: 'acc-2',
      balanceMinor: 5_000, // owed, shown positive
    });
    await seedTransaction(db, checking, {
      providerId: 't1',
      amountMinor: -2_500,
      date: '2026-01-02',
      merchant: 'Grocer',
    });
    await seedTransaction(db, checking, {
      providerId: 't2',
      amountMinor: 300_000,
      date: '2026-01-05',
      description: 'PAYROLL ACME 123456',
    });
    await seedTransaction(db, checking, { providerId: 't3', amountMinor: 0, date: '2026-01-06' });
    await seedTransaction(db, card, {
      providerId: 'c1',
      amountMinor: -4_000,
      date: '2026-01-03',
      merchant: 'Cafe',
      currency: 'CAD',
    });

    const first = await deliverFamily(deps(), family);
    expect(first.aborted).toBeNull();
    expect(first.created).toBe(3);
    expect(first.skipped).toBe(1);
    expect(first.warnings.some((w) => w.includes('0.00'))).toBe(true);
    expect(first.accountsCreated).toBe(2);

    const accounts = [...fake.accounts.values()];
    const ffChecking = accounts.find((a) => a.name === 'Checking')!;
    const ffCard = accounts.find((a) => a.name === 'Visa')!;
    expect(ffChecking).toMatchObject({ type: 'asset', currency: 'USD' });
    expect(ffCard).toMatchObject({
      type: 'liabilities',
      currency: 'CAD',
      liabilityType: 'debt',
      liabilityDirection: 'debit',
    });
    // Dated the day before the first transaction, not today.
    expect(ffChecking.openingBalanceDate?.slice(0, 10)).toBe('2026-01-01');
    expect(fake.balanceMinor(ffChecking.id)).toBe(100_000);
    expect(fake.balanceMinor(ffCard.id)).toBe(-5_000);
    expect(first.balances.every((b) => b.matches)).toBe(true);

    const groups = fake.liveGroups();
    expect(groups.map((g) => g.split.externalId).sort()).toEqual([
      'sophtron:acc-1:t1',
      'sophtron:acc-1:t2',
      'sophtron:acc-2:c1',
    ]);
    const payroll = groups.find((g) => g.split.externalId === 'sophtron:acc-1:t2')!;
    expect(payroll.split.type).toBe('deposit');
    expect(fake.accounts.get(payroll.split.sourceId)!.name).toBe('PAYROLL ACME');
    const cafe = groups.find((g) => g.split.externalId === 'sophtron:acc-2:c1')!;
    expect(cafe.split).toMatchObject({ type: 'withdrawal', currencyCode: 'CAD', sourceId: ffCard.id });
    expect(cafe.split.tags[0]).toMatch(/^Data Import on \d{4}-\d{2}-\d{2} @ \d{2}:\d{2}$/);

    // An unchanged re-run sends nothing but the version check.
    fake.resetLog();
    const again = await deliverFamily(deps(), family);
    expect(again.created + again.updated).toBe(0);
    expect(fake.log.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/about']);
    expect(again.balances.every((b) => b.matches && b.fromLastCheck)).toBe(true);
    expect(fake.liveGroups()).toHaveLength(3);
  });

  it("books ATM cash on the cash account Firefly creates once; the ATM's fee and a nameless payment on expense accounts", async () => {
    const db = store.db;
    const { family, acc } = await checkingAccount(50_000);
    const seed = (providerId: string, amountMinor: number, description: string | null, category?: string) =>
      seedTransaction(db, acc, { providerId, amountMinor, date: '2026-03-02', description, category });
    const atm = await seed('atm', -6_000, 'ATM WITHDRAWAL 123456 MAIN ST', 'Cash & ATM');
    await seed('atm2', -4_000, 'ATM WITHDRAWAL 654321 ELM ST', 'Cash & ATM');
    await seed('dep', 2_000, 'ATM DEPOSIT 42 MAIN ST');
    await seed('fee', -300, 'ATM FEE', 'Cash & ATM');
    await seed('none', -1_500, null);

    const first = await deliverFamily(deps(), family);
    expect(first).toMatchObject({ created: 5, failed: 0, aborted: null });
    expect(first.balances.every((b) => b.matches)).toBe(true);
    const cashAccounts = [...fake.accounts.values()].filter((a) => a.type === 'cash');
    expect(cashAccounts).toHaveLength(1);
    const cash = cashAccounts[0]!;
    const split = (id: string) =>
      fake.liveGroups().find((g) => g.split.externalId === `sophtron:a:${id}`)!.split;
    const name = (accountId: string) => fake.accounts.get(accountId)!.name;
    expect(split('atm').destinationId).toBe(cash.id);
    expect(split('atm2').destinationId).toBe(cash.id);
    expect(split('dep')).toMatchObject({ type: 'deposit', sourceId: cash.id });
    expect(name(split('fee').destinationId)).toBe('ATM FEE');
    expect(name(split('none').destinationId)).toBe('(unknown expense account)');
    expect(fake.balanceMinor(cash.id)).toBe(6_000 + 4_000 - 2_000);
    expect(name(cash.id)).not.toMatch(/ATM/);

    // The bank rewords the withdrawal: updated in place, still on the cash account.
    await updateTransaction(db, atm, { description: 'ATM WITHDRAWAL 123456 MAIN ST SEATTLE' });
    const second = await deliverFamily(deps(), family);
    expect(second).toMatchObject({ created: 0, updated: 1, failed: 0 });
    expect(split('atm')).toMatchObject({
      description: 'ATM WITHDRAWAL 123456 MAIN ST SEATTLE',
      destinationId: cash.id,
    });
    expect([...fake.accounts.values()].filter((a) => a.type === 'cash')).toHaveLength(1);
    fake.resetLog();
    const again = await deliverFamily(deps(), family);
    expect(again.created + again.updated).toBe(0);
    expect(fake.log.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/about']);
  });

  it('updates a changed transaction in place, and only when what Firefly shows changed', async () => {
    const db = store.db;
    const { family, acc } = await checkingAccount(-1_000);
    const id = await seedTransaction(db, acc, {
      providerId: 't1',
      amountMinor: -1_000,
      date: '2026-02-01',
      description: 'Old',
    });
    await deliverFamily(deps(), family);
    await updateTransaction(db, id, { description: 'New text' });
    fake.resetLog();
    const r = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r.updated).toBe(1);
    expect(fake.count('PUT')).toBe(1);
    expect(fake.liveGroups()[0]!.split.description).toBe('New text');
    // A change_seq bump that changes nothing Firefly shows: no PUT.
    await updateTransaction(db, id, {});
    fake.resetLog();
    const r2 = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r2.unchanged).toBe(1);
    expect(fake.count('PUT')).toBe(0);
  });

  it('delivers a pending transaction with the pending tag and updates it in place when it posts', async () => {
    const { db, family, acc, id } = await checkingWithOne({ status: 'pending', merchant: 'Gas' });
    const r1 = await deliverFamily(deps(), family, { pending: 'tag' });
    expect(r1.created).toBe(1);
    expect(fake.liveGroups()[0]!.split.tags).toContain('pending');
    // The user tags it in Firefly III meanwhile: the update keeps that tag and the import tag.
    const importTag = fake.liveGroups()[0]!.split.tags[0]!;
    fake.liveGroups()[0]!.split.tags.push('receipt kept');
    // Bank's current balance does not include pending; Firefly does: the check allows for it.
    expect(r1.balances[0]!.matches).toBe(true);

    await updateTransaction(db, id, {
      status: 'posted',
      provider_transaction_id: 'posted-1',
      post_date: '2026-02-02',
    });
    await setBalance(db, acc, -700);
    const r2 = await deliverFamily(deps(), family, { pending: 'tag' });
    expect(r2.updated).toBe(1);
    const groups = fake.liveGroups();
    expect(groups).toHaveLength(1);
    expect(groups[0]!.split.tags).toEqual([importTag, 'receipt kept']);
    expect(groups[0]!.split.externalId).toBe('sophtron:a:posted-1');
    expect(r2.balances[0]!.matches).toBe(true);
  });

  it('updates a changed transaction without touching the tags the user gave it in Firefly III', async () => {
    const { db, family, id } = await checkingWithOne({ merchant: 'Gas' });
    await deliverFamily(deps(), family, { customTag: 'first import' });
    fake.liveGroups()[0]!.split.tags.push('holiday');
    fake.resetLog();

    await updateTransaction(db, id, { description: 'GAS STATION 42' });
    const r = await deliverFamily(deps(), family, { customTag: 'second import' });
    expect(r.updated).toBe(1);
    expect(fake.liveGroups()[0]!.split).toMatchObject({
      description: 'GAS STATION 42',
      tags: ['first import', 'holiday'],
    });
    // The description changed at the bank: one GET to see whether the user edited it in Firefly.
    expect(fake.count('GET', '/api/v1/transactions')).toBe(1);
    expect(fake.count('PUT')).toBe(1);
  });

  it('keeps what the user edited in Firefly III when the bank changes a transaction; amount and dates follow the bank', async () => {
    const db = store.db;
    const { family, acc } = await checkingAccount();
    const edited = await seedTransaction(db, acc, {
      providerId: 'e1',
      amountMinor: -1_250,
      date: '2026-02-01',
      description: 'POS 4411 COFFEE',
      merchant: 'Coffee',
      category: 'Dining',
      memo: 'card 1234',
    });
    const untouched = await seedTransaction(db, acc, {
      providerId: 'u1',
      amountMinor: -900,
      date: '2026-02-02',
      description: 'POS 5522 BAKERY',
      merchant: 'Bakery',
    });
    await deliverFamily(deps(), family, { checkBalances: false });
    const byExternal = (id: string) => fake.liveGroups().find((g) => g.split.externalId === id)!.split;
    // The user tidies one transaction up in Firefly III.
    Object.assign(byExternal('sophtron:a:e1'), {
      description: 'Coffee with Sam',
      categoryName: 'Friends',
      notes: 'my note',
    });

    // The bank corrects both: new amounts, dates and descriptions, a new memo.
    await updateTransaction(db, edited, {
      amount_minor: -1_350,
      description: 'POS 4411 COFFEE HOUSE',
      post_date: '2026-02-03',
      memo: 'card 1234 (corrected)',
    });
    await updateTransaction(db, untouched, { amount_minor: -950, description: 'POS 5522 BAKERY LTD' });
    const r = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r.updated).toBe(2);
    expect(r.keptEdits).toBe(1);
    expect(byExternal('sophtron:a:e1')).toMatchObject({
      amount: '13.50',
      bookDate: expect.stringMatching(/^2026-02-03/),
      description: 'Coffee with Sam',
      categoryName: 'Friends',
      notes: 'my note',
    });
    expect(byExternal('sophtron:a:u1')).toMatchObject({ amount: '9.50', description: 'POS 5522 BAKERY LTD' });

    // What the user kept stays kept on the next bank change; what they did not edit follows the bank.
    await updateTransaction(db, edited, { amount_minor: -1_400, category: 'Coffee' });
    const r2 = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r2.keptEdits).toBe(1);
    expect(byExternal('sophtron:a:e1')).toMatchObject({
      amount: '14.00',
      description: 'Coffee with Sam',
      categoryName: 'Friends',
    });
  });

  it('skips pending transactions when asked and delivers them once they post', async () => {
    const { db, family, id } = await checkingWithOne({ status: 'pending' });
    const r1 = await deliverFamily(deps(), family, { pending: 'skip' });
    expect(r1.created).toBe(0);
    expect(fake.liveGroups()).toHaveLength(0);
    await updateTransaction(db, id, { status: 'posted', provider_transaction_id: 'posted-1' });
    const r2 = await deliverFamily(deps(), family, { pending: 'skip' });
    expect(r2.created).toBe(1);
    expect(fake.liveGroups()).toHaveLength(1);
  });

  it('does not re-create what the user deleted in Firefly, unless asked', async () => {
    const { db, family, id } = await checkingWithOne();
    await deliverFamily(deps(), family);
    fake.deleteGroup(fake.liveGroups()[0]!.id);
    await updateTransaction(db, id, { description: 'changed' });
    const r = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r.deletedInFirefly).toBe(1);
    expect(fake.liveGroups()).toHaveLength(0);
    await updateTransaction(db, id, { description: 'changed again' });
    const r2 = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r2.created + r2.updated).toBe(0);
    const r3 = await deliverFamily(deps(), family, { checkBalances: false, recreateDeleted: true });
    expect(r3.created).toBe(1);
    expect(fake.liveGroups()).toHaveLength(1);
  });

  it('resolves an unknown outcome by searching the external_id instead of sending twice', async () => {
    const db = store.db;
    const { family, acc } = await checkingAccount();
    await seedTransaction(db, acc, { providerId: 't1', amountMinor: -100, date: '2026-02-01' });
    await seedTransaction(db, acc, { providerId: 't2', amountMinor: -200, date: '2026-02-02' });
    client = new FireflyClient({ baseUrl: fake.url, token: fake.token, timeoutMs: 300, retryDelayMs: 10 });
    fake.dropPostAnswers = 1; // stored, answer lost
    const r = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r.created + r.alreadyThere).toBe(2);
    expect(r.alreadyThere).toBe(1);
    expect(fake.liveGroups()).toHaveLength(2);

    // A run killed after the POST left a 'sending' row: the next run finds the group, sends nothing.
    const row = await db
      .selectFrom('firefly_transactions')
      .selectAll()
      .where('state', '=', 'delivered')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('firefly_transactions')
      .set({ state: 'sending' })
      .where('transaction_id', '=', row.transaction_id)
      .execute();
    fake.resetLog();
    const r2 = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r2.alreadyThere).toBe(1);
    expect(fake.count('POST')).toBe(0);
    expect(fake.liveGroups()).toHaveLength(2);
  });

  it("counts Firefly's duplicate-hash answer as already there", async () => {
    const db = store.db;
    const { family, acc } = await checkingAccount();
    await seedTransaction(db, acc, { providerId: 't1', amountMinor: -100, date: '2026-02-01' });
    await deliverFamily(deps(), family, { addImportTag: false });
    // Forget what was delivered: the same body again gets "Duplicate of transaction #N".
    await db.deleteFrom('firefly_transactions').execute();
    const r = await deliverFamily(deps(), family, { addImportTag: false, checkBalances: false });
    expect(r.alreadyThere).toBe(1);
    expect(r.created).toBe(0);
    expect(fake.liveGroups()).toHaveLength(1);
  });

  it('delivers a transfer between two imported accounts once', async () => {
    const db = store.db;
    const family = await seedFamily(db);
    const checking = await seedAccount(db, family, {
      name: 'Checking',
      sophtronAccountId: 'c',
      balanceMinor: -5_000,
    });
    const savings = await seedAccount(db, family, {
      name: 'Savings',
      sophtronAccountId: 's',
      balanceMinor: 5_000,
    });
    await deliverFamily(deps(), family); // creates both accounts
    const ids = Object.fromEntries([...fake.accounts.values()].map((a) => [a.name, Number(a.id)]));
    await seedTransaction(db, checking, {
      providerId: 'x1',
      amountMinor: -5_000,
      date: '2026-03-01',
      description: 'Transfer to Savings',
    });
    await seedTransaction(db, savings, {
      providerId: 'x2',
      amountMinor: 5_000,
      date: '2026-03-02',
      description: 'Transfer from Checking',
    });
    const r = await deliverFamily(deps(), family, {
      mapping: { 'Transfer to Savings': ids.Savings!, 'Transfer from Checking': ids.Checking! },
    });
    expect(r.created).toBe(1);
    expect(r.paired).toBe(1);
    const groups = fake.liveGroups();
    expect(groups).toHaveLength(1);
    expect(groups[0]!.split.type).toBe('transfer');

    // The incoming side seen first (delivered as the transfer), the outgoing side a day later.
    const mapping = { 'Transfer to Savings': ids.Savings!, 'Transfer from Checking': ids.Checking! };
    await seedTransaction(db, savings, {
      providerId: 'y2',
      amountMinor: 7_000,
      date: '2026-03-10',
      description: 'Transfer from Checking',
    });
    const r2 = await deliverFamily(deps(), family, { mapping, checkBalances: false });
    expect(r2.created).toBe(1);
    await seedTransaction(db, checking, {
      providerId: 'y1',
      amountMinor: -7_000,
      date: '2026-03-09',
      description: 'Transfer to Savings',
    });
    const r3 = await deliverFamily(deps(), family, { mapping, checkBalances: false });
    expect(r3).toMatchObject({ created: 0, paired: 1 });
    expect(fake.liveGroups()).toHaveLength(2);
    expect(fake.balanceMinor(String(ids.Savings))).toBe(5_000 + 5_000 + 7_000);
  });

  it('delivers two transfers of the same amount days apart each once, each side paired with its own counterpart', async () => {
    const db = store.db;
    const family = await seedFamily(db);
    const checking = await seedAccount(db, family, { name: 'Checking', sophtronAccountId: 'c' });
    const savings = await seedAccount(db, family, { name: 'Savings', sophtronAccountId: 's' });
    await deliverFamily(deps(), family); // creates both accounts
    const ids = Object.fromEntries([...fake.accounts.values()].map((a) => [a.name, Number(a.id)]));
    const mapping = { 'Transfer to Savings': ids.Savings!, 'Transfer from Checking': ids.Checking! };
    const out = (providerId: string, date: string) =>
      seedTransaction(db, checking, {
        providerId,
        amountMinor: -5_000,
        date,
        description: 'Transfer to Savings',
      });
    const into = (providerId: string, date: string) =>
      seedTransaction(db, savings, {
        providerId,
        amountMinor: 5_000,
        date,
        description: 'Transfer from Checking',
      });
    // The bank lists savings' side of the first transfer a run before the rest.
    const in1 = await into('in-1', '2026-03-01');
    await deliverFamily(deps(), family, { mapping, checkBalances: false });
    const out1 = await out('out-1', '2026-03-01');
    const out2 = await out('out-2', '2026-03-03');
    const in2 = await into('in-2', '2026-03-03');
    const r = await deliverFamily(deps(), family, { mapping, checkBalances: false });

    expect(r).toMatchObject({ created: 1, paired: 2, failed: 0 });
    const groups = fake.liveGroups();
    expect(groups.map((g) => g.split.type)).toEqual(['transfer', 'transfer']);
    expect(fake.balanceMinor(String(ids.Savings))).toBe(10_000);
    expect(fake.balanceMinor(String(ids.Checking))).toBe(-10_000);
    // Each side pairs with the counterpart closest in date, and no side is claimed twice.
    const records = await db
      .selectFrom('firefly_transactions')
      .select(['transaction_id', 'state', 'note'])
      .orderBy('transaction_id')
      .execute();
    expect(records.map((x) => [x.transaction_id, x.state, x.note])).toEqual([
      [in1, 'delivered', null],
      [out1, 'paired', `delivered with transaction ${in1}`],
      [out2, 'delivered', null],
      [in2, 'paired', `delivered with transaction ${out2}`],
    ]);
  });

  it('deletes in Firefly what the user deleted from the ledger', async () => {
    const { db, family, id } = await checkingWithOne();
    await deliverFamily(deps(), family);
    await db.deleteFrom('transactions').where('id', '=', id).execute();
    const r = await deliverFamily(deps(), family, { checkBalances: false });
    expect(r.removed).toBe(1);
    expect(fake.liveGroups()).toHaveLength(0);
  });

  it('refuses a wrong token and old Firefly versions with a clear message', async () => {
    const db = store.db;
    const family = await seedFamily(db);
    const bad = new FireflyClient({ baseUrl: fake.url, token: 'nope' });
    await expect(deliverFamily({ store, client: bad }, family)).rejects.toBeInstanceOf(FireflyAuthError);
    fake.version = '5.7.18';
    await expect(deliverFamily(deps(), family)).rejects.toThrow(/5\.7\.18 is too old.*6\.0\.0/);
  });
});

describe('accounts in a currency Firefly does not have', () => {
  it('says which currency to enable, and delivers the other accounts', async () => {
    const db = store.db;
    const family = await seedFamily(db);
    const pesos = await seedAccount(db, family, {
      name: 'Pesos',
      currency: 'ARS',
      sophtronAccountId: 'a',
      balanceMinor: 0,
    });
    const dollars = await seedAccount(db, family, {
      name: 'Dollars',
      sophtronAccountId: 'b',
      balanceMinor: -100,
    });
    await seedTransaction(db, pesos, { amountMinor: -100, date: '2026-01-01', currency: 'ARS' });
    await seedTransaction(db, dollars, { amountMinor: -100, date: '2026-01-01' });
    const r = await deliverFamily(deps(), family);
    expect(r.errors.map((e) => e.message)).toEqual([
      'Pesos: Firefly III does not accept the currency ARS; enable it in Firefly III (Options → Currencies) and run again',
    ]);
    expect(r.created).toBe(1);
    const own = [...fake.accounts.values()].filter((a) => a.type === 'asset').map((a) => a.name);
    expect(own).toEqual(['Dollars']);
  });
});

describe('deliverToFirefly', () => {
  it("uses the family's sealed connection and stored options", async () => {
    const { family } = await checkingWithOne({ status: 'pending' });
    const settings = {
      fireflyUrl: undefined,
      fireflyToken: undefined,
      fireflyTimeoutMs: 2_000,
      fireflyConcurrency: 2,
      fireflyPending: 'skip' as const,
    };
    await expect(deliverToFirefly(store, family, settings)).rejects.toThrow(/no Firefly III connection/);
    await store.saveFireflySettings(family, {
      url: fake.url,
      token: fake.token,
      options: { pending: 'tag', customTag: 'mine' },
    });
    const r = await deliverToFirefly(store, family, settings);
    expect(r.created).toBe(1);
    expect(fake.liveGroups()[0]!.split.tags).toEqual(['mine', 'pending']);
  });
});

describe('FireflyClient', () => {
  it('turns a 422 into field errors a person can read', async () => {
    const err = await client
      .storeTransaction({
        transactions: [
          {
            type: 'withdrawal',
            date: '2026-01-01T12:00:00+00:00',
            amount: '1.00',
            description: 'x',
            source_id: '999',
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/transactions\.0\.source_id: Could not find a valid source account/);
    expect(err).not.toBeInstanceOf(FireflyVersionError);
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { Ofx } from 'ofx-data-extractor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/databases.js';
import { openStore, type Store } from '../../store/index.js';
import { seedAccount, seedConnection, seedFamily, seedTransaction } from '../../../test/fakes/ledger-seed.js';
import { CSV_HEADER, exportLedger, ExportFilterError, safeCell } from './index.js';
import { deliverToFolder } from './folder.js';

let dir: string;
let database: TestDatabase;
let store: Store;
let familyId: string;
let checking: string;
let card: string;

beforeEach(async () => {
  database = await createTestDatabase();
  dir = database.dataDir;
  store = await openStore({ dataDir: dir, databaseUrl: database.url }, { onKeyGenerated: () => {} });
  const db = store.db;
  familyId = await seedFamily(db, 'The Smiths');
  const conn = await seedConnection(db, familyId, { institutionName: 'First Test Bank' });
  checking = await seedAccount(db, familyId, conn, { name: 'Checking', balanceMinor: 123456 });
  card = await seedAccount(db, familyId, conn, {
    name: 'Visa',
    kind: 'credit_card',
    balanceRule: 'owed_positive',
    balanceMinor: 5000,
  });
  await seedTransaction(db, checking, {
    amountMinor: -1234,
    date: '2026-02-01',
    description: 'Coffee & <cake>',
    merchant: 'Cafe',
  });
  await seedTransaction(db, checking, {
    amountMinor: 250000,
    date: '2026-02-03',
    description: '=HYPERLINK("http://x")',
  });
  await seedTransaction(db, checking, {
    amountMinor: -5,
    date: '2026-02-04',
    description: '-1+2',
    status: 'pending',
  });
  await seedTransaction(db, checking, {
    amountMinor: -700,
    date: '2026-02-05',
    description: 'Gone',
    status: 'vanished',
  });
  await seedTransaction(db, card, {
    amountMinor: -4999,
    date: '2026-02-02',
    description: '@SUM(A1)',
    memo: 'tab\there',
  });
  await seedTransaction(db, card, { amountMinor: 4999, date: '2026-02-10', description: 'Payment' });
});

afterEach(async () => {
  await store.close();
  await database.dispose();
});

describe('CSV export', () => {
  it('round-trips through csv-parse with the documented header, formulas defused', async () => {
    const { content, transactionCount } = await exportLedger(store, familyId, 'csv');
    expect(transactionCount).toBe(5); // vanished left out
    const rows = parse(content, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_HEADER]);
    const byDesc = new Map(rows.map((r) => [r.description, r]));
    expect(byDesc.get('Coffee & <cake>')).toMatchObject({
      amount: '-12.34',
      currency: 'USD',
      account_name: 'Checking',
      merchant: 'Cafe',
      status: 'posted',
    });
    expect(byDesc.get(`'=HYPERLINK("http://x")`)?.amount).toBe('2500.00');
    expect(byDesc.get("'-1+2")).toMatchObject({ amount: '-0.05', status: 'pending' });
    expect(byDesc.get("'@SUM(A1)")).toMatchObject({
      amount: '-49.99',
      memo: 'tab\there',
      account_name: 'Visa',
    });
    expect(rows.every((r) => /^-?\d+\.\d\d$/.test(r.amount!))).toBe(true);
  });

  it('filters by account and dates, and names a bad filter field', async () => {
    const { content } = await exportLedger(store, familyId, 'csv', {
      accountIds: [card],
      from: '2026-02-05',
    });
    const rows = parse(content, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.description)).toEqual(['Payment']);
    await expect(exportLedger(store, familyId, 'csv', { from: '02/01/2026' })).rejects.toThrow(
      /^from: expected a date/,
    );
    await expect(exportLedger(store, familyId, 'csv', { accountIds: ['nope'] })).rejects.toBeInstanceOf(
      ExportFilterError,
    );
  });

  it('has the header the README documents (columns are only ever added at the end)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`\`${CSV_HEADER.join(',')}\``);
  });

  it('defuses every formula start but leaves ordinary text', () => {
    for (const s of ['=1', '+1', '-1', '@a', '\tx', '\rx']) expect(safeCell(s)).toBe(`'${s}`);
    expect(safeCell('Coffee')).toBe('Coffee');
    expect(safeCell(null)).toBe('');
  });
});

describe('OFX export', () => {
  it('parses with a third-party OFX parser: bank and card statements, FITIDs, amounts, balances', async () => {
    const { content } = await exportLedger(store, familyId, 'ofx', {
      now: new Date('2026-03-01T00:00:00Z'),
    });
    expect(content).toContain('<BANKMSGSRSV1>');
    expect(content).toContain('<CREDITCARDMSGSRSV1>');
    const ofx = new Ofx(content);
    const bank = ofx.getBankTransferList() as unknown as Record<string, unknown>[];
    const cards = ofx.getCreditCardTransferList() as unknown as Record<string, unknown>[];
    const summary = ofx.getTransactionsSummary();
    expect(bank.length).toBe(2); // pending and vanished left out
    expect(cards.length).toBe(2);
    const amounts = [...bank, ...cards].map((t) => String(t.TRNAMT)).sort();
    expect(amounts).toEqual(['-12.34', '-49.99', '2500.00', '49.99'].sort());
    const fitids = [...bank, ...cards].map((t) => String(t.FITID));
    expect(new Set(fitids).size).toBe(4);
    expect(content).toContain('Coffee &amp; &lt;cake&gt;');
    // the card balance shown positive (owed) in the ledger is negative (owed) in OFX
    expect(content).toMatch(/<CCSTMTRS>[\s\S]*<BALAMT>-50\.00<\/BALAMT>/);
    expect(content).toMatch(/<STMTRS>[\s\S]*<BALAMT>1234\.56<\/BALAMT>/);
    expect(summary).toBeTruthy();
    // the parser's own validation and normalized view: valid, dates not shifted, sources right
    const validation = ofx.validate();
    expect(validation).toMatchObject({ isValid: true, warnings: [], errors: [] });
    expect(validation.stats).toMatchObject({
      bankTransactions: 2,
      creditCardTransactions: 2,
      duplicatedFitIds: 0,
    });
    const normalized = ofx.toNormalized().transactions.map((t) => [t.source, t.postedAt, t.currency]);
    expect(normalized).toEqual(
      expect.arrayContaining([
        ['bank', '2026-02-01', 'USD'],
        ['bank', '2026-02-03', 'USD'],
        ['credit_card', '2026-02-02', 'USD'],
        ['credit_card', '2026-02-10', 'USD'],
      ]),
    );
  });

  it('includes pending when asked', async () => {
    const { content } = await exportLedger(store, familyId, 'ofx', { includePending: true });
    expect(content).toContain('<TRNAMT>-0.05</TRNAMT>');
  });
});

describe('JSON export', () => {
  it('validates against schemas/export.schema.json', async () => {
    const { content } = await exportLedger(store, familyId, 'json', { from: '2026-01-01' });
    const schema = JSON.parse(
      readFileSync(new URL('../../../schemas/export.schema.json', import.meta.url), 'utf8'),
    );
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const doc = JSON.parse(content);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.transactions).toHaveLength(5);
    expect(doc.accounts.find((a: { name: string }) => a.name === 'Checking').balance.current).toBe('1234.56');
    // a broken document is refused: the schema is not vacuous
    doc.transactions[0].amount = 12.34;
    expect(validate(doc)).toBe(false);
  });
});

describe('folder destination', () => {
  it('delivers only what is new since the last delivery, per format', async () => {
    const out = join(dir, 'exports');
    const first = await deliverToFolder(
      store,
      familyId,
      { folder: out, formats: ['csv', 'json'] },
      new Date('2026-03-01T00:00:00Z'),
    );
    expect(first.files).toHaveLength(2);
    expect(first.transactionCount).toBe(5);
    const again = await deliverToFolder(
      store,
      familyId,
      { folder: out, formats: ['csv', 'json'] },
      new Date('2026-03-01T01:00:00Z'),
    );
    expect(again.files).toHaveLength(0);
    await seedTransaction(store.db, checking, {
      amountMinor: -100,
      date: '2026-02-20',
      description: 'New one',
    });
    const third = await deliverToFolder(
      store,
      familyId,
      { folder: out, formats: ['csv'] },
      new Date('2026-03-01T02:00:00Z'),
    );
    expect(third.files).toHaveLength(1);
    const rows = parse(readFileSync(third.files[0]!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.description)).toEqual(['New one']);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

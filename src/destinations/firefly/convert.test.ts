import { describe, expect, it } from 'vitest';
import {
  cleanDescription,
  convertTransaction,
  fireflyDate,
  importTag,
  type ConvertOptions,
  type ConvertibleTransaction,
} from './convert.js';

const tx = (over: Partial<ConvertibleTransaction> = {}): ConvertibleTransaction => ({
  id: 1,
  account_id: 'acc',
  provider_transaction_id: 'T1',
  status: 'posted',
  amount_minor: -1234,
  currency: 'USD',
  date: '2026-01-15',
  transaction_date: '2026-01-14',
  post_date: '2026-01-15',
  description: 'POS PURCHASE 1234567 STARBUCKS #123',
  merchant: null,
  category: 'Coffee',
  memo: 'latte',
  check_number: null,
  change_seq: 1,
  ...over,
});
const target = { ledgerAccountId: 'acc', fireflyAccountId: '5', sophtronAccountId: 'S1' };
const options = (over: Partial<ConvertOptions> = {}): ConvertOptions => ({
  pending: 'tag',
  importTag: 'import',
  applyRules: true,
  fireWebhooks: true,
  errorIfDuplicateHash: true,
  timeZone: 'America/New_York',
  mapping: new Map(),
  ...over,
});

describe('convertTransaction', () => {
  it('makes a withdrawal with a cleaned opposing name, namespaced external_id, currency, dates, notes, category and tag', () => {
    const c = convertTransaction(tx(), target, options());
    if (c.kind !== 'group') throw new Error('expected a group');
    expect(c.body.error_if_duplicate_hash).toBe(true);
    expect(c.body.transactions[0]).toMatchObject({
      type: 'withdrawal',
      amount: '12.34',
      currency_code: 'USD',
      source_id: '5',
      destination_name: 'STARBUCKS',
      external_id: 'sophtron:S1:T1',
      date: '2026-01-15T12:00:00-05:00',
      book_date: '2026-01-15T12:00:00-05:00',
      process_date: '2026-01-14T12:00:00-05:00',
      notes: 'latte',
      category_name: 'Coffee',
      tags: ['import'],
    });
  });

  it('makes a deposit from the merchant, with fallbacks for missing names', () => {
    const c = convertTransaction(
      tx({ amount_minor: 5000, merchant: 'ACME', description: null }),
      target,
      options(),
    );
    if (c.kind !== 'group') throw new Error('expected a group');
    expect(c.body.transactions[0]).toMatchObject({
      type: 'deposit',
      source_name: 'ACME',
      destination_id: '5',
      description: 'ACME',
    });
    const d = convertTransaction(
      tx({ amount_minor: 5000, merchant: null, description: null }),
      target,
      options(),
    );
    if (d.kind !== 'group') throw new Error('expected a group');
    expect(d.body.transactions[0]).toMatchObject({
      source_name: '(unknown revenue account)',
      description: '(no description)',
    });
  });

  it('skips zero amounts with a warning, and pending ones when asked; tags pending otherwise', () => {
    expect(convertTransaction(tx({ amount_minor: 0 }), target, options())).toMatchObject({
      kind: 'skip',
      reason: 'zero_amount',
    });
    expect(convertTransaction(tx({ status: 'pending' }), target, options({ pending: 'skip' }))).toMatchObject(
      { kind: 'skip', reason: 'pending' },
    );
    const p = convertTransaction(tx({ status: 'pending' }), target, options());
    if (p.kind !== 'group') throw new Error('expected a group');
    expect(p.body.transactions[0]!.tags).toEqual(['import', 'pending']);
  });

  it('uses a mapped account, and a transfer when it is one of the own asset accounts', () => {
    const mapping = new Map([
      ['STARBUCKS', { id: '40', type: 'expense' }],
      ['Transfer to Savings', { id: '9', type: 'asset' }],
    ]);
    const e = convertTransaction(tx({ merchant: 'Starbucks' }), target, options({ mapping }));
    if (e.kind !== 'group') throw new Error('expected a group');
    expect(e.body.transactions[0]).toMatchObject({ type: 'withdrawal', destination_id: '40' });
    const t = convertTransaction(tx({ description: 'Transfer to Savings' }), target, options({ mapping }));
    if (t.kind !== 'group') throw new Error('expected a group');
    expect(t.body.transactions[0]).toMatchObject({ type: 'transfer', source_id: '5', destination_id: '9' });
    expect(t.transferCounterpart).toBe('9');
  });

  it('books cash out of (into) the account on the cash account: no other party named; fees and transfers stay expenses', () => {
    const split = (over: Partial<ConvertibleTransaction>, opts: Partial<ConvertOptions> = {}) => {
      const c = convertTransaction(tx({ merchant: null, category: null, ...over }), target, options(opts));
      if (c.kind !== 'group') throw new Error('expected a group');
      return c.body.transactions[0]!;
    };
    const cash = (s: ReturnType<typeof split>) =>
      s.type === 'withdrawal' ? [s.destination_id, s.destination_name] : [s.source_id, s.source_name];
    for (const description of [
      'ATM WITHDRAWAL 123456 MAIN ST',
      'CASH WITHDRAWAL BRANCH 12',
      'CASH ADVANCE',
    ]) {
      expect(cash(split({ description })), description).toEqual([undefined, undefined]);
      expect(split({ description }).source_id).toBe('5');
    }
    expect(cash(split({ description: 'WITHDRAWAL 88', category: 'Cash & ATM' }))).toEqual([
      undefined,
      undefined,
    ]);
    const deposit = split({ description: 'ATM DEPOSIT 42 MAIN ST', amount_minor: 2000 });
    expect(deposit).toMatchObject({ type: 'deposit', destination_id: '5' });
    expect(cash(deposit)).toEqual([undefined, undefined]);
    expect(split({ description: 'ATM FEE', category: 'Cash & ATM' }).destination_name).toBe('ATM FEE');
    expect(split({ description: 'ATM FEE REFUND', amount_minor: 300 }).source_name).toBe('ATM FEE REFUND');
    expect(split({ description: 'ATM TRANSFER TO SAVINGS' }).destination_name).toBe(
      'ATM TRANSFER TO SAVINGS',
    );
    expect(split({ description: 'ATMOS ENERGY' }).destination_name).toBe('ATMOS ENERGY');
    // The person's mapping of the name comes first.
    const mapping = new Map([['ATM WITHDRAWAL MAIN ST', { id: '77', type: 'expense' }]]);
    expect(split({ description: 'ATM WITHDRAWAL 123456 MAIN ST' }, { mapping }).destination_id).toBe('77');
    // No other party at all is not cash: the data importer's unknown expense account.
    expect(split({ description: null }).destination_name).toBe('(unknown expense account)');
  });
});

describe('amounts, dates and tags', () => {
  it('sends a calendar date as noon in the family time zone', () => {
    expect(fireflyDate('2026-07-01', 'America/Los_Angeles')).toBe('2026-07-01T12:00:00-07:00');
    expect(fireflyDate('2026-07-01', 'UTC')).toBe('2026-07-01T12:00:00+00:00');
  });

  it('fills in the data importer tag placeholders', () => {
    const at = new Date('2026-03-05T14:07:09Z');
    expect(importTag(null, at, 'UTC', '1.2.3')).toBe('Data Import on 2026-03-05 @ 14:07');
    expect(
      importTag(
        '%year%/%month%/%day% %month_full% %day_of_week% %hour%:%minute%:%second% %date% %time% %datetime% v%version%',
        at,
        'UTC',
        '1.2.3',
      ),
    ).toBe('2026/03/05 March Thursday 14:07:09 2026-03-05 14:07:09 2026-03-05 14:07:09 v1.2.3');
  });

  it('cleans bank descriptions into a payee name', () => {
    expect(cleanDescription('POS PURCHASE 1234567 STARBUCKS #123 01/14')).toBe('STARBUCKS');
    expect(cleanDescription('ACH DEBIT NETFLIX.COM')).toBe('NETFLIX.COM');
  });
});

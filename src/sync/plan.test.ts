import { describe, expect, it } from 'vitest';
import type { ProviderTransactionData } from '../domain/types.js';
import { planSync, PlanInputError, type LedgerRow, type PlanOptions } from './plan.js';
import { descriptionSimilarity } from './similarity.js';
import { providerTransaction } from '../../test/fakes/ledger-store.js';

const options: PlanOptions = {
  today: '2026-03-20',
  window: { from: '2026-03-01', to: '2026-03-21' },
  accountId: 'A1',
  pendingMatchDays: 7,
  pendingGraceDays: 5,
};

let nextLedgerId = 1;
const row = (over: Partial<LedgerRow> & Pick<LedgerRow, 'provider_transaction_id'>): LedgerRow => ({
  id: nextLedgerId++,
  status: 'posted',
  amount_minor: -1250,
  date: '2026-03-10',
  transaction_date: null,
  post_date: null,
  description: 'STARBUCKS STORE 123',
  merchant: null,
  category: null,
  memo: null,
  check_number: null,
  replaced_pending_id: null,
  last_seen_date: '2026-03-19',
  ...over,
});
const tx = (over: Parameters<typeof providerTransaction>[0]) =>
  providerTransaction({ accountId: 'A1', ...over });
const plan = (
  fetched: ProviderTransactionData[],
  ledger: LedgerRow[],
  tombstones: string[] = [],
  o = options,
) => planSync({ fetched, ledger, tombstones: new Set(tombstones) }, o);

describe('planSync', () => {
  it('inserts new rows and leaves unchanged ones alone', () => {
    const p = plan(
      [tx({ transactionId: 'a' }), tx({ transactionId: 'b', amount: 500 })],
      [row({ provider_transaction_id: 'a' })],
    );
    expect(p.inserts.map((i) => i.providerTransactionId)).toEqual(['b']);
    expect(p.updates).toEqual([]);
    expect(p.seen).toEqual([]);
  });

  it('updates exactly the fields the bank changed', () => {
    const existing = row({ provider_transaction_id: 'a' });
    const p = plan(
      [tx({ transactionId: 'a', amount: -1300, description: 'STARBUCKS #9', category: 'Coffee' })],
      [existing],
    );
    expect(p.updates).toEqual([
      {
        ledgerId: existing.id,
        providerTransactionId: 'a',
        changes: { amount_minor: -1300, description: 'STARBUCKS #9', category: 'Coffee' },
        revived: false,
      },
    ]);
  });

  it('merges a vanished pending row into its posted replacement, resolving ties by date, then text, then id', () => {
    const pending = row({
      provider_transaction_id: 'P1',
      status: 'pending',
      date: '2026-03-10',
      description: 'POS PENDING STARBUCKS',
    });
    const p = plan(
      [
        tx({ transactionId: 'T-far', date: '2026-03-14', description: 'STARBUCKS STORE 77' }),
        tx({ transactionId: 'T-near', date: '2026-03-11', description: 'STARBUCKS STORE 123' }),
        tx({ transactionId: 'T-other', date: '2026-03-11', description: 'SHELL OIL 5531' }),
      ],
      [pending],
    );
    expect(p.merges).toMatchObject([
      { ledgerId: pending.id, pendingId: 'P1', postedId: 'T-near', dateDistance: 1 },
    ]);
    expect(p.inserts.map((i) => i.providerTransactionId)).toEqual(['T-far', 'T-other']);

    const tie = plan(
      [tx({ transactionId: 'T2', date: '2026-03-11' }), tx({ transactionId: 'T1', date: '2026-03-09' })],
      [pending],
    );
    expect(tie.merges[0]?.postedId).toBe('T1');
  });

  it('does not merge across amounts, beyond PENDING_MATCH_DAYS, or while the pending row is still listed', () => {
    const pending = row({ provider_transaction_id: 'P1', status: 'pending', last_seen_date: '2026-03-19' });
    expect(plan([tx({ transactionId: 'T', amount: -1251 })], [pending]).merges).toEqual([]);
    expect(plan([tx({ transactionId: 'T', date: '2026-03-18' })], [pending]).merges).toEqual([]);
    expect(
      plan([tx({ transactionId: 'T' }), tx({ transactionId: 'P1', status: 'pending' })], [pending]).merges,
    ).toEqual([]);
  });

  it('ignores the pending copy of a transaction already merged, and keeps merged rows as they are', () => {
    const merged = row({ provider_transaction_id: 'T1', replaced_pending_id: 'P1' });
    const p = plan([tx({ transactionId: 'P1', status: 'pending' }), tx({ transactionId: 'T1' })], [merged]);
    expect(p.inserts).toEqual([]);
    expect(p.ignored).toEqual([{ providerTransactionId: 'P1', reason: 'pending_already_replaced' }]);
  });

  it('marks a pending row vanished only after the grace period, and revives it if it comes back', () => {
    const recent = row({ provider_transaction_id: 'P1', status: 'pending', last_seen_date: '2026-03-16' });
    const stale = row({ provider_transaction_id: 'P2', status: 'pending', last_seen_date: '2026-03-15' });
    const future = row({
      provider_transaction_id: 'P3',
      status: 'pending',
      date: '2026-03-25',
      last_seen_date: '2026-03-01',
    });
    const p = plan([], [recent, stale, future]);
    expect(p.vanishings).toEqual([{ ledgerId: stale.id, providerTransactionId: 'P2' }]);

    const vanished = row({ provider_transaction_id: 'P2', status: 'vanished' });
    const back = plan([tx({ transactionId: 'P2', status: 'pending' })], [vanished]);
    expect(back.updates).toMatchObject([
      { ledgerId: vanished.id, changes: { status: 'pending' }, revived: true },
    ]);
  });

  it('leaves posted rows missing from the window alone', () => {
    const p = plan(
      [],
      [row({ provider_transaction_id: 'a' }), row({ provider_transaction_id: 'b', date: '2026-03-01' })],
    );
    expect(p).toMatchObject({ inserts: [], updates: [], merges: [], vanishings: [] });
  });

  it('moves only the last-seen day of a pending row listed again unchanged', () => {
    const pending = row({ provider_transaction_id: 'P1', status: 'pending', last_seen_date: '2026-03-18' });
    const p = plan([tx({ transactionId: 'P1', status: 'pending' })], [pending]);
    expect(p.seen).toEqual([pending.id]);
    expect(p.updates).toEqual([]);
  });

  it('never re-creates a deleted transaction unless asked', () => {
    const fetched = [tx({ transactionId: 'gone' })];
    expect(plan(fetched, [], ['gone']).inserts).toEqual([]);
    expect(plan(fetched, [], ['gone']).ignored).toEqual([
      { providerTransactionId: 'gone', reason: 'deleted_by_user' },
    ]);
    const asked = plan(fetched, [], ['gone'], { ...options, includeDeleted: true });
    expect(asked.inserts).toMatchObject([{ providerTransactionId: 'gone', restoresDeleted: true }]);
  });

  it("ignores another account's rows and refuses a row the ledger cannot hold, naming it and the field", () => {
    expect(plan([tx({ transactionId: 'x', accountId: 'B' })], []).ignored).toEqual([
      { providerTransactionId: 'x', reason: 'other_account' },
    ]);
    expect(() => plan([tx({ transactionId: 'bad', amount: 12.5 })], [])).toThrow(PlanInputError);
    expect(() => plan([tx({ transactionId: 'bad', amount: 12.5 })], [])).toThrow(/"bad": amount/);
    expect(() => plan([tx({ transactionId: 'bad', date: '2026-02-30' })], [])).toThrow(/"bad": date/);
  });

  it('keeps one row when the payload repeats a TransactionID, preferring the posted copy', () => {
    const p = plan([tx({ transactionId: 'a', status: 'pending' }), tx({ transactionId: 'a' })], []);
    expect(p.inserts).toMatchObject([{ providerTransactionId: 'a', fields: { status: 'posted' } }]);
  });
});

describe('descriptionSimilarity', () => {
  it('sees through pending prefixes, store numbers, dates and truncation', () => {
    expect(
      descriptionSimilarity('POS PENDING AMAZON MKTPL', 'AMAZON MKTPLACE PMTS AMZN.COM/BILL WA 11/21'),
    ).toBe(1);
    expect(descriptionSimilarity('CHECKCARD 1121 SHELL OIL 5744', 'SHELL OIL 57444 HOUSTON TX')).toBe(1);
    expect(descriptionSimilarity('STARBUCKS STORE', 'SHELL OIL')).toBe(0);
    expect(descriptionSimilarity(null, 'SHELL OIL')).toBe(0.5);
  });
});

describe('planSync: deleted pending rows', () => {
  const deleted = {
    provider_transaction_id: 'pd',
    amount_minor: -1250,
    date: '2026-03-10',
    description: 'POS PENDING STARBUCKS',
    merchant: null,
    transaction_id: 99,
  };
  const posted = tx({ transactionId: 't1', date: '2026-03-11' });

  it('finds the posted successor like a merge, and leaves a ledger pending row the first choice', () => {
    const alone = planSync(
      { fetched: [posted], ledger: [], tombstones: new Set(['pd']), deletedPending: [deleted] },
      options,
    );
    expect(alone.inserts).toEqual([]);
    expect(alone.deletedSuccessors).toMatchObject([{ pendingId: 'pd', postedId: 't1', dateDistance: 1 }]);
    expect(alone.ignored).toEqual([{ providerTransactionId: 't1', reason: 'deleted_by_user' }]);

    // An equally good pending row in the ledger takes the posted one: the user's data wins over a guess.
    const live = row({
      provider_transaction_id: 'p2',
      status: 'pending',
      description: 'POS PENDING STARBUCKS',
    });
    const both = planSync(
      { fetched: [posted], ledger: [live], tombstones: new Set(['pd']), deletedPending: [deleted] },
      options,
    );
    expect(both.merges).toMatchObject([{ ledgerId: live.id, postedId: 't1' }]);
    expect(both.deletedSuccessors).toEqual([]);
  });

  it('matches nothing while the bank still lists the deleted pending id, nor a different amount', () => {
    const pending = tx({ transactionId: 'pd', status: 'pending', description: 'POS PENDING STARBUCKS' });
    const listed = planSync(
      { fetched: [pending, posted], ledger: [], tombstones: new Set(['pd']), deletedPending: [deleted] },
      options,
    );
    expect(listed.inserts.map((i) => i.providerTransactionId)).toEqual(['t1']);
    const other = planSync(
      {
        fetched: [tx({ transactionId: 't1', amount: -1300 })],
        ledger: [],
        tombstones: new Set(['pd']),
        deletedPending: [deleted],
      },
      options,
    );
    expect(other.inserts.map((i) => i.providerTransactionId)).toEqual(['t1']);
  });
});

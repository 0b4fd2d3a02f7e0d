import { sql } from 'kysely';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bankView, dayDate, postedTruth, settledBy, type Purchase } from '../../test/fakes/bank-model.js';
import { openLedgerFixture, type LedgerFixture } from '../../test/fakes/ledger-fixture.js';
import { providerTransaction } from '../../test/fakes/ledger-store.js';
import type { ProviderTransactionData } from '../domain/types.js';
import { applyAccountSync } from './apply.js';
import { addDays } from '../dates.js';
import { isEmptyPlan, type SyncPlan } from './plan.js';

let fx: LedgerFixture;
beforeEach(async () => {
  fx = await openLedgerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const tx = providerTransaction;

const sync = (
  fetched: ProviderTransactionData[],
  today: string,
  extra: Partial<Parameters<typeof applyAccountSync>[1]> = {},
) =>
  applyAccountSync(fx.store, {
    familyId: fx.familyId,
    accountId: fx.accountId,
    currency: 'USD',
    today,
    now: `${today}T12:00:00.000Z`,
    fetched,
    planOptions: {
      window: { from: addDays(today, -30), to: addDays(today, 1) },
      accountId: 'acct',
      pendingMatchDays: 7,
      pendingGraceDays: 2,
    },
    ...extra,
  });

/** The usual window of `today`, bringing back what the user deleted (sync --include-deleted). */
const withDeleted = (today: string) => ({
  planOptions: {
    window: { from: addDays(today, -30), to: addDays(today, 1) },
    accountId: 'acct',
    pendingMatchDays: 7,
    pendingGraceDays: 2,
    includeDeleted: true,
  },
});

const rows = () => fx.db.selectFrom('transactions').selectAll().orderBy('id').execute();
const counter = async () =>
  Number((await fx.db.selectFrom('change_counter').select('value').executeTakeFirstOrThrow()).value);

describe('applyAccountSync', () => {
  it('writes inserts, updates, merges and vanishings, each with a new change_seq', async () => {
    await sync(
      [
        tx({ transactionId: 'P1', status: 'pending', description: 'POS PENDING STARBUCKS' }),
        tx({ transactionId: 'P2', status: 'pending', amount: -999, description: 'SHELL OIL' }),
        tx({ transactionId: 'A', amount: 500, description: 'REFUND' }),
      ],
      '2026-03-11',
    );
    const before = await rows();
    expect(before.map((r) => [r.provider_transaction_id, r.status, r.currency])).toEqual([
      ['A', 'posted', 'USD'],
      ['P1', 'pending', 'USD'],
      ['P2', 'pending', 'USD'],
    ]);
    const seqAfterFirst = await counter();
    expect(before.map((r) => r.change_seq).sort()).toEqual([
      seqAfterFirst - 2,
      seqAfterFirst - 1,
      seqAfterFirst,
    ]);

    const second = await sync(
      [
        tx({ transactionId: 'T1', date: '2026-03-12' }),
        tx({ transactionId: 'A', amount: 550, description: 'REFUND' }),
      ],
      '2026-03-14',
    );
    expect(second.plan.merges).toHaveLength(1);
    expect(second.plan.vanishings).toHaveLength(1);
    expect(second.plan.updates).toHaveLength(1);
    const after = await rows();
    const p1 = after.find((r) => r.id === before[1]!.id)!;
    expect(p1).toMatchObject({
      provider_transaction_id: 'T1',
      replaced_pending_id: 'P1',
      status: 'posted',
      date: '2026-03-12',
    });
    expect(after.find((r) => r.provider_transaction_id === 'P2')).toMatchObject({
      status: 'vanished',
      vanished_at: '2026-03-14T12:00:00.000Z',
    });
    expect(after.find((r) => r.provider_transaction_id === 'A')).toMatchObject({ amount_minor: 550 });
    expect(after.every((r) => r.change_seq > seqAfterFirst)).toBe(true);
    expect(second.rowsWritten).toBe(3);

    const third = await sync(
      [
        tx({ transactionId: 'T1', date: '2026-03-12' }),
        tx({ transactionId: 'A', amount: 550, description: 'REFUND' }),
      ],
      '2026-03-14',
    );
    expect(third.rowsWritten).toBe(0);
    expect(await counter()).toBe(seqAfterFirst + 3);
  });

  it('leaves nothing half-written when anything fails mid-way', async () => {
    await sync([tx({ transactionId: 'A' })], '2026-03-11');
    const before = await rows();
    const seq = await counter();
    await expect(
      sync([tx({ transactionId: 'A', amount: 1 }), tx({ transactionId: 'B' })], '2026-03-12', {
        alsoWrite: async () => {
          throw new Error('balance write failed');
        },
      }),
    ).rejects.toThrow('balance write failed');
    expect(await rows()).toEqual(before);
    expect(await counter()).toBe(seq);

    // A plan that fails on its second statement (a row that is not there) rolls back the first.
    const bad: SyncPlan = {
      inserts: [
        {
          providerTransactionId: 'C',
          fields: { ...before[0]!, status: 'posted' },
          restoresDeleted: false,
          replacedPendingId: null,
        },
      ],
      updates: [
        { ledgerId: before[0]!.id, providerTransactionId: 'A', changes: { amount_minor: 7 }, revived: false },
      ],
      merges: [
        {
          ledgerId: 999_999,
          pendingId: 'x',
          postedId: 'y',
          fields: { ...before[0]!, status: 'posted' },
          dateDistance: 0,
          similarity: 1,
        },
      ],
      vanishings: [],
      deletedSuccessors: [],
      seen: [],
      ignored: [],
    };
    await expect(
      fx.store.transaction((t) =>
        t.writeSyncPlan(fx.familyId, bad, {
          accountId: fx.accountId,
          currency: 'USD',
          today: '2026-03-12',
          now: 'now',
        }),
      ),
    ).rejects.toThrow(/merge of x into y/);
    expect(await rows()).toEqual(before);
    expect(await counter()).toBe(seq);
  });

  it("reads and writes only the family's own account, and finds its oldest pending row", async () => {
    await sync([tx({ transactionId: 'P1', status: 'pending', date: '2026-03-09' })], '2026-03-11');
    expect(await fx.store.oldestPendingDate(fx.familyId, fx.accountId)).toBe('2026-03-09');
    expect(await fx.store.oldestPendingDate('another-family', fx.accountId)).toBeNull();
    const before = await rows();
    await expect(
      applyAccountSync(fx.store, {
        familyId: 'another-family',
        accountId: fx.accountId,
        currency: 'USD',
        today: '2026-03-12',
        now: 'now',
        fetched: [tx({ transactionId: 'X' })],
        planOptions: {
          window: { from: '2026-03-01', to: '2026-03-13' },
          accountId: 'acct',
          pendingMatchDays: 7,
          pendingGraceDays: 2,
        },
      }),
    ).rejects.toThrow(/not found/);
    expect(await rows()).toEqual(before);
  });

  it('skips tombstoned rows unless asked, then removes the tombstone', async () => {
    await fx.db
      .insertInto('tombstones')
      .values({
        account_id: fx.accountId,
        provider_transaction_id: 'D',
        deleted_at: 'then',
        deleted_by: null,
      })
      .execute();
    expect((await sync([tx({ transactionId: 'D' })], '2026-03-11')).plan.inserts).toEqual([]);
    expect(await rows()).toEqual([]);
    await sync([tx({ transactionId: 'D' })], '2026-03-11', withDeleted('2026-03-11'));
    expect((await rows()).map((r) => r.provider_transaction_id)).toEqual(['D']);
    expect(await fx.db.selectFrom('tombstones').selectAll().execute()).toEqual([]);
  });

  describe('a transaction the user deleted under one id does not come back under another', () => {
    const store = () => fx.store;
    const idOf = async (ptid: string) => (await rows()).find((r) => r.provider_transaction_id === ptid)!.id;
    const pending = tx({ transactionId: 'P1', status: 'pending', description: 'POS PENDING STARBUCKS' });
    const posted = tx({ transactionId: 'T1', date: '2026-03-12', description: 'STARBUCKS STORE 123' });
    const stones = () =>
      fx.db
        .selectFrom('tombstones')
        .select(['provider_transaction_id', 'origin', 'status', 'replaced_pending_id', 'successor_id'])
        .orderBy('provider_transaction_id')
        .execute();

    it('a deleted pending row: its posted successor (new TransactionID) is not created', async () => {
      await sync([pending], '2026-03-10');
      expect(await store().deleteTransaction('fam', await idOf('P1'), 'ann')).toBe(true);
      // Still pending at the bank: blocked by its own id.
      expect((await sync([pending], '2026-03-11')).plan.inserts).toEqual([]);
      // Posted under a new id, the pending one gone: recognised by amount, date and description.
      const { plan } = await sync([posted], '2026-03-13');
      expect(plan.inserts).toEqual([]);
      expect(plan.deletedSuccessors).toMatchObject([{ pendingId: 'P1', postedId: 'T1' }]);
      expect(await rows()).toEqual([]);
      expect(await stones()).toEqual([
        {
          provider_transaction_id: 'P1',
          origin: 'deleted',
          status: 'pending',
          replaced_pending_id: null,
          successor_id: 'T1',
        },
        {
          provider_transaction_id: 'T1',
          origin: 'successor',
          status: 'posted',
          replaced_pending_id: 'P1',
          successor_id: null,
        },
      ]);
      const [p1, t1] = await store().listTombstones('fam');
      expect(t1).toMatchObject({
        deleted_by: 'ann',
        transaction_id: p1!.transaction_id,
        change_seq: p1!.change_seq,
      });
      // Later syncs: nothing to do; a second identical purchase is not swallowed by the old deletion.
      expect(isEmptyPlan((await sync([posted], '2026-03-14')).plan)).toBe(true);
      const second = tx({ transactionId: 'T2', date: '2026-03-13', description: 'STARBUCKS STORE 123' });
      expect((await sync([posted, second], '2026-03-15')).plan.inserts).toMatchObject([
        { providerTransactionId: 'T2' },
      ]);
      // Asked to, a sync brings the successor back, knowing which pending row it replaced.
      await sync([posted, second], '2026-03-16', withDeleted('2026-03-16'));
      expect(await rows()).toMatchObject([
        { provider_transaction_id: 'T2', replaced_pending_id: null },
        { provider_transaction_id: 'T1', replaced_pending_id: 'P1' },
      ]);
      expect(await stones()).toEqual([]);
    });

    it('--include-deleted brings the posted successor back, recording the pending id it replaced', async () => {
      await sync([pending], '2026-03-10');
      await store().deleteTransaction('fam', await idOf('P1'));
      await sync([posted], '2026-03-13', withDeleted('2026-03-13'));
      expect(await rows()).toMatchObject([
        { provider_transaction_id: 'T1', replaced_pending_id: 'P1', status: 'posted' },
      ]);
      expect(await stones()).toEqual([]);
    });

    it('a deleted merged row: its pending copy, still listed by the bank, is not created', async () => {
      await sync([pending], '2026-03-10');
      // The window misses the pending copy's date: it merges into the posted row.
      const narrow = {
        window: { from: '2026-03-11', to: '2026-03-14' },
        accountId: 'acct',
        pendingMatchDays: 7,
        pendingGraceDays: 2,
      };
      expect((await sync([posted], '2026-03-13', { planOptions: narrow })).plan.merges).toHaveLength(1);
      await store().deleteTransaction('fam', await idOf('T1'));
      expect(await stones()).toEqual([
        {
          provider_transaction_id: 'P1',
          origin: 'pending_copy',
          status: 'pending',
          replaced_pending_id: null,
          successor_id: 'T1',
        },
        {
          provider_transaction_id: 'T1',
          origin: 'deleted',
          status: 'posted',
          replaced_pending_id: 'P1',
          successor_id: null,
        },
      ]);
      // A wide window: the bank lists both copies.
      const { plan } = await sync([pending, posted], '2026-03-14');
      expect(plan.inserts).toEqual([]);
      expect(await rows()).toEqual([]);
      // Asking for the deletion back undoes the whole deletion (both ids).
      expect(await store().removeTombstone('fam', fx.accountId, 'T1')).toBe(true);
      expect(await stones()).toEqual([]);
    });
  });

  it('reads only the window of a long history, through indexes', async () => {
    // 20 000 rows over ~5 years, then a 10-day window with 20 new rows.
    const start = '2021-01-01';
    const history = Array.from({ length: 20_000 }, (_, i) =>
      tx({ transactionId: `h${i}`, date: addDays(start, Math.floor(i / 11)), description: `SHOP ${i % 50}` }),
    );
    const last = history.at(-1)!.date;
    await applyAccountSync(fx.store, {
      familyId: fx.familyId,
      accountId: fx.accountId,
      currency: 'USD',
      today: last,
      now: 'seed',
      fetched: history,
      planOptions: {
        window: { from: start, to: last },
        accountId: 'acct',
        pendingMatchDays: 7,
        pendingGraceDays: 5,
      },
    });
    const from = addDays(last, -10);
    const inWindow = history.filter((t) => t.date >= from);
    const fresh = Array.from({ length: 20 }, (_, i) =>
      tx({ transactionId: `n${i}`, date: addDays(last, 1) }),
    );
    const today = addDays(last, 1);
    const r = await applyAccountSync(fx.store, {
      familyId: fx.familyId,
      accountId: fx.accountId,
      currency: 'USD',
      today,
      now: 'later',
      fetched: [...inWindow, ...fresh],
      planOptions: {
        window: { from, to: addDays(today, 1) },
        accountId: 'acct',
        pendingMatchDays: 7,
        pendingGraceDays: 5,
      },
    });
    expect(r.rowsWritten).toBe(20);
    expect(r.plan.inserts).toHaveLength(20);
    // The window plus PENDING_MATCH_DAYS before it (11 rows a day), not the 20 000 rows.
    expect(r.rowsRead).toBeLessThanOrEqual(inWindow.length + 8 * 11);

    const postgres = fx.database.kind === 'postgres';
    // PostgreSQL plans from statistics: gather them as autovacuum would after such a backfill.
    if (postgres) await sql`analyze transactions`.execute(fx.db);
    const explain = postgres ? sql`explain` : sql`explain query plan`;
    const plans = await Promise.all(
      [
        // Bound parameters, as Kysely sends them: the partial indexes must still be chosen.
        sql`${explain} select id from transactions where account_id = ${'acc'} and status = ${'pending'}`,
        sql`${explain} select id from transactions where account_id = ${'acc'} and date >= ${'2026-01-01'} and date <= ${'2026-02-01'}`,
        sql`${explain} select id from transactions where account_id = ${'acc'} and replaced_pending_id in (${'a'}, ${'b'})`,
      ].map((q) => q.execute(fx.db)),
    );
    const details = plans.map((p) =>
      (p.rows as Record<string, string>[]).map((d) => d.detail ?? d['QUERY PLAN']).join(' '),
    );
    const usesIndex = (name: string) =>
      postgres ? new RegExp(`(using|on) ${name} `) : new RegExp(`USING (COVERING )?INDEX ${name} `);
    expect(details[0]).toMatch(usesIndex('transactions_account_pending'));
    expect(details[1]).toMatch(usesIndex('transactions_account_date'));
    expect(details[2]).toMatch(usesIndex('transactions_account_replaced'));
  });
});

describe('applyAccountSync against the model bank (real database)', () => {
  it('ends with exactly the posted transactions, once each, and re-applying writes nothing', async () => {
    const purchaseArb: fc.Arbitrary<Purchase> = fc.record({
      kind: fc.constantFrom('posted', 'same_id', 'new_id', 'cancel'),
      amount: fc.constantFrom(-500, -1000, 120000),
      merchant: fc.nat(3),
      start: fc.nat(20),
      settleAfter: fc.integer({ min: 1, max: 5 }),
      shift: fc.nat(3),
      bothDays: fc.nat(2),
      editDay: fc.option(fc.nat(30), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(purchaseArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        async (purchases, gaps) => {
          await fx.db.deleteFrom('transactions').execute();
          let day = 0;
          let syncedThrough: string | null = null;
          const run = async (today: number, from: string) => {
            const window = { from, to: dayDate(today + 1) };
            const fetched = bankView(purchases, today).filter(
              (t) => t.date >= window.from && t.date <= window.to,
            );
            const input = {
              familyId: fx.familyId,
              accountId: fx.accountId,
              currency: 'USD',
              today: dayDate(today),
              now: `${dayDate(today)}T00:00:00Z`,
              fetched,
              planOptions: { window, accountId: 'acct', pendingMatchDays: 7, pendingGraceDays: 3 },
            };
            await applyAccountSync(fx.store, input);
            expect((await applyAccountSync(fx.store, input)).rowsWritten).toBe(0);
          };
          for (const gap of gaps) {
            day += gap;
            await run(day, syncedThrough ? addDays(syncedThrough, -10) : dayDate(0));
            syncedThrough = dayDate(day + 1);
          }
          await run(Math.max(day, settledBy(purchases)) + 4, dayDate(0));
          const live = (await rows()).filter((r) => r.status !== 'vanished');
          const truth = postedTruth(purchases, 10_000);
          expect(live.map((r) => r.provider_transaction_id).sort()).toEqual(
            truth.map((t) => t.transactionId).sort(),
          );
          expect(live.every((r) => r.status === 'posted')).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });
});

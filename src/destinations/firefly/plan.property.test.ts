/**
 * Property tests of the delivery planner against a model Firefly III: whatever the bank does to a
 * row between deliveries (amounts, dates, texts, pending→posted under a new id, vanishing, zero),
 * whatever the person does in Firefly (edits, deletes) and however a run dies (before a POST is
 * sent, or after Firefly stored it and the answer was lost), no external id is ever created twice,
 * an update never overwrites a field the person edited, the bank's facts always follow the bank, an
 * unchanged row sends nothing, an unknown outcome is searched for first, and a transfer between two
 * of the user's accounts is delivered from one side only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  DeliveryCandidate,
  DeliveryRecord,
  FireflyAccountRow,
  FireflyDeliveryRepository,
  FireflyTransactionRow,
  TransferSideRow,
} from '../../store/firefly-delivery.js';
import type { FireflyGroup, TransactionSplitBody, TransactionUpdateBody } from './client.js';
import { convertTransaction, type ConvertOptions, type Converted, type TargetAccount } from './convert.js';
import { baseRecord, deliveredRecord, pairedRecord, sendingRecord } from './journal.js';
import {
  choosePartner,
  planDelivery,
  updateRequest,
  type DeliveryAction,
  type DeliveryFacts,
} from './plan.js';
import { DeliveryScope } from './scope.js';
import { editableValues, parseSentFields } from './three-way.js';

type Group = Extract<Converted, { kind: 'group' }>;
type Split = Partial<TransactionSplitBody>;
type Fault = 'none' | 'crash-before-send' | 'answer-lost';

const FAMILY = 'fam';
const USER_EDIT = {
  description: 'Edited by a person',
  category_name: 'Person category',
  notes: 'person note',
};

/** Firefly III as far as delivery sees it: groups by id, searchable by external id. */
class ModelFirefly {
  groups = new Map<string, { split: Split; tags: string[] }>();
  private nextId = 1;

  store(split: Split): string {
    const id = String(this.nextId++);
    this.groups.set(id, { split: { ...split }, tags: [...(split.tags ?? [])] });
    return id;
  }

  view(id: string): FireflyGroup | null {
    const g = this.groups.get(id);
    if (!g) return null;
    return {
      groupId: id,
      journalId: `j${id}`,
      externalId: g.split.external_id ?? null,
      tags: [...g.tags],
      split: { ...g.split },
    };
  }

  search(externalIds: string[]): FireflyGroup | null {
    for (const ext of externalIds)
      for (const id of this.groups.keys())
        if (this.groups.get(id)!.split.external_id === ext) return this.view(id);
    return null;
  }

  /** Firefly's PUT: the keys sent replace what the group has (null clears), tags replace tags. */
  put(id: string, body: TransactionUpdateBody): void {
    const g = this.groups.get(id)!;
    const { tags, transaction_journal_id: _j, ...fields } = body.transactions[0]!;
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) delete (g.split as Record<string, unknown>)[k];
      else if (v !== undefined) (g.split as Record<string, unknown>)[k] = v;
    }
    if (tags) g.tags = [...tags];
  }
}

const TARGET: TargetAccount = { ledgerAccountId: 'acct', fireflyAccountId: '900', sophtronAccountId: 'sa' };

const options = (pending: 'skip' | 'tag', run: number): ConvertOptions => ({
  pending,
  importTag: `Import run ${run}`,
  applyRules: false,
  fireWebhooks: false,
  errorIfDuplicateHash: false,
  timeZone: 'UTC',
  mapping: new Map(),
});

/** The store's candidate rule (store/firefly-delivery.ts deliveryCandidates). */
function isCandidate(row: DeliveryCandidate, recreateDeleted: boolean): boolean {
  const f = row.f;
  if (!f || f.state === 'sending' || f.state === 'failed') return true;
  if (f.state === 'deleted_in_firefly') return recreateDeleted;
  return row.change_seq > f.delivered_seq;
}

const asRow = (r: DeliveryRecord): FireflyTransactionRow => ({ ...r, updated_at: 'x' });

/** The ledger, the delivery records and Firefly, with an in-memory executor of the plan. */
class World {
  firefly = new ModelFirefly();
  /** Fields a person edited in Firefly while the row was delivered: they must stay theirs. */
  edited = new Map<number, Set<keyof typeof USER_EDIT>>();
  /** Groups a person deleted in Firefly. */
  deletedByPerson = new Set<string>();
  creates = 0;

  constructor(public rows: DeliveryCandidate[]) {}

  /** Answers the plan's questions from the model, then returns its decision. */
  decide(row: DeliveryCandidate, conversion: Converted, recreateDeleted: boolean): DeliveryAction {
    const facts: DeliveryFacts = { row, conversion, recreateDeleted };
    let action = planDelivery(facts);
    if (action.kind === 'find-partner') {
      facts.partner = null;
      action = planDelivery(facts);
    }
    if (action.kind === 'search-first') {
      expect(row.f?.state).toBe('sending');
      facts.searched = this.firefly.search(action.externalIds);
      action = planDelivery(facts);
    }
    if (row.f?.state === 'sending')
      expect(facts.searched, 'an unknown outcome is searched first').not.toBe(undefined);
    return action;
  }

  /** Performs the action; returns false when the run died on this row. */
  perform(row: DeliveryCandidate, conv: Converted, action: DeliveryAction, fault: Fault): boolean {
    const base = baseRecord(FAMILY, row, conv);
    const f = row.f;
    switch (action.kind) {
      case 'skip':
        row.f = asRow({ ...base, state: 'skipped', note: action.reason });
        return true;
      case 'keep':
        row.f = asRow({ ...base, state: 'delivered' });
        return true;
      case 'remove':
        this.firefly.groups.delete(action.groupId);
        row.f = asRow({ ...base, state: 'removed' });
        return true;
      case 'adopt':
        row.f = asRow(deliveredRecord(FAMILY, row, action.conversion, action.group));
        return true;
      case 'unchanged':
        row.f = asRow(deliveredRecord(FAMILY, row, action.conversion, action.existing));
        return true;
      case 'update':
        return this.update(row, action, base);
      case 'create':
        return this.create(row, action.conversion, fault);
      default:
        throw new Error(`${action.kind} is not expected of a single account (record ${f?.state})`);
    }
  }

  private update(
    row: DeliveryCandidate,
    plan: Extract<DeliveryAction, { kind: 'update' }>,
    base: ReturnType<typeof baseRecord>,
  ): boolean {
    const g = this.firefly.view(plan.existing.groupId);
    if (!g) {
      if (plan.onMissing === 'create') return this.create(row, plan.conversion, 'none');
      row.f = asRow({ ...base, state: 'deleted_in_firefly', note: 'gone' });
      return true;
    }
    const current = plan.found ?? (plan.needsCurrent ? g : null);
    const request = updateRequest(plan, current);
    const sent = request.body.transactions[0]!;
    const ours = plan.conversion.body.transactions[0]!;
    // The bank's facts always go out.
    expect(sent).toMatchObject({ amount: ours.amount, date: ours.date, external_id: ours.external_id });
    // A field the person edited (Firefly differs from what we sent last) is never sent.
    const base0 = row.f?.state === 'delivered' ? parseSentFields(row.f.sent_fields) : null;
    if (base0) {
      const theirs = editableValues(g.split);
      if (theirs.description !== base0.description) expect(sent).not.toHaveProperty('description');
      if (theirs.category !== base0.category) expect(sent).not.toHaveProperty('category_name');
      if (theirs.notes !== base0.notes) expect(sent).not.toHaveProperty('notes');
    }
    this.firefly.put(plan.existing.groupId, request.body);
    row.f = asRow(deliveredRecord(FAMILY, row, plan.conversion, plan.existing, request.nextBase));
    return true;
  }

  private create(row: DeliveryCandidate, conv: Group, fault: Fault): boolean {
    expect(this.firefly.search([conv.externalId]), `a second group for ${conv.externalId}`).toBeNull();
    expect(row.f?.state === 'deleted_in_firefly' && !this.recreating).toBe(false);
    row.f = asRow(sendingRecord(FAMILY, row, conv));
    if (fault === 'crash-before-send') return false;
    const id = this.firefly.store(conv.body.transactions[0]!);
    this.creates++;
    this.edited.delete(row.id); // a new group: nothing in it is the person's yet
    if (fault === 'answer-lost') return false;
    row.f = asRow(deliveredRecord(FAMILY, row, conv, { groupId: id, journalId: `j${id}` }));
    return true;
  }

  recreating = false;

  /** One delivery run over the candidates, oldest first; a fault kills the run at its row. */
  run(
    runNo: number,
    pending: 'skip' | 'tag',
    recreateDeleted: boolean,
    fault: { row: number; kind: Fault },
  ): boolean {
    this.recreating = recreateDeleted;
    for (const row of this.rows) {
      if (!isCandidate(row, recreateDeleted)) continue;
      const conv = convertTransaction(row, TARGET, options(pending, runNo));
      const action = this.decide(row, conv, recreateDeleted);
      if (!this.perform(row, conv, action, row.id === fault.row ? fault.kind : 'none')) return false;
    }
    return true;
  }

  /** After a run nothing killed: every delivered row shows the bank's facts and the person's edits. */
  checkInSync(runNo: number, pending: 'skip' | 'tag', recreateDeleted: boolean): void {
    for (const row of this.rows) {
      const conv = convertTransaction(row, TARGET, options(pending, runNo));
      const f = row.f!;
      expect(['sending', 'failed']).not.toContain(f.state);
      if (conv.kind !== 'group' || f.state !== 'delivered') continue;
      const g = this.firefly.groups.get(f.firefly_group_id!);
      if (!g) {
        expect(this.deletedByPerson.has(f.firefly_group_id!)).toBe(true);
        continue;
      }
      const ours = conv.body.transactions[0]!;
      expect(g.split).toMatchObject({ amount: ours.amount, date: ours.date, external_id: ours.external_id });
      const edited = this.edited.get(row.id) ?? new Set();
      for (const k of ['description', 'category_name', 'notes'] as const)
        expect(g.split[k] ?? null, k).toBe(edited.has(k) ? USER_EDIT[k] : (ours[k] ?? null));
      // Planned again with a new change_seq but nothing new: unchanged, nothing sent.
      const again = planDelivery({
        row: { ...row, change_seq: row.change_seq + 1 },
        conversion: conv,
        recreateDeleted,
      });
      expect(again.kind).toBe('unchanged');
    }
  }

  personEdits(index: number, fields: (keyof typeof USER_EDIT)[]): void {
    const row = this.rows[index % this.rows.length]!;
    const g =
      row.f?.state === 'delivered' ? this.firefly.groups.get(row.f.firefly_group_id ?? '') : undefined;
    if (!g) return;
    const set = this.edited.get(row.id) ?? new Set();
    for (const k of fields) {
      g.split[k] = USER_EDIT[k];
      set.add(k);
    }
    this.edited.set(row.id, set);
  }

  personDeletes(index: number): void {
    const row = this.rows[index % this.rows.length]!;
    const id = row.f?.firefly_group_id;
    if (!id || !this.firefly.groups.has(id)) return;
    this.firefly.groups.delete(id);
    this.deletedByPerson.add(id);
  }
}

const rowArb = (id: number) =>
  fc
    .record({
      status: fc.constantFrom('pending' as const, 'posted' as const),
      amount_minor: fc.constantFrom(-500, -1299, 4200),
      day: fc.integer({ min: 1, max: 20 }),
      merchant: fc.option(fc.constantFrom('Grocer', 'Cafe'), { nil: null }),
      category: fc.option(fc.constantFrom('Food', 'Fun'), { nil: null }),
      memo: fc.option(fc.constantFrom('memo a', 'memo b'), { nil: null }),
    })
    .map((r): DeliveryCandidate => ({
      id,
      account_id: 'acct',
      provider_transaction_id: `p${id}`,
      status: r.status,
      amount_minor: r.amount_minor,
      currency: 'USD',
      date: `2026-03-${String(r.day).padStart(2, '0')}`,
      transaction_date: null,
      post_date: null,
      description: `PURCHASE ${id}`,
      merchant: r.merchant,
      category: r.category,
      memo: r.memo,
      check_number: null,
      change_seq: id,
      f: null,
    }));

const bankChangeArb = fc.record({
  row: fc.nat(),
  kind: fc.constantFrom(
    'amount',
    'date',
    'description',
    'category',
    'memo',
    'post',
    'vanish',
    'zero',
    'bump',
  ),
});

const runArb = fc.record({
  changes: fc.array(bankChangeArb, { maxLength: 3 }),
  edit: fc.option(
    fc.record({
      row: fc.nat(),
      fields: fc.subarray(['description', 'category_name', 'notes'] as const, { minLength: 1 }),
    }),
    { nil: null },
  ),
  deleteInFirefly: fc.option(fc.nat(), { nil: null, freq: 6 }),
  pending: fc.constantFrom('skip' as const, 'tag' as const),
  recreateDeleted: fc.boolean(),
  fault: fc.record({
    row: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom<Fault>('none', 'none', 'crash-before-send', 'answer-lost'),
  }),
});

function changeBank(row: DeliveryCandidate, kind: string, seq: number): void {
  row.change_seq = seq;
  if (kind === 'amount') row.amount_minor = row.amount_minor === 0 ? -700 : row.amount_minor - 100;
  if (kind === 'date') row.date = row.date < '2026-03-25' ? '2026-03-26' : '2026-03-27';
  if (kind === 'description') row.description = `${row.description} CORRECTED`;
  if (kind === 'category') row.category = row.category === 'Travel' ? 'Home' : 'Travel';
  if (kind === 'memo') row.memo = `${row.memo ?? ''} more`;
  if (kind === 'post' && row.status === 'pending') {
    row.status = 'posted';
    row.provider_transaction_id = `${row.provider_transaction_id}-posted`;
    row.post_date = row.date;
  }
  if (kind === 'vanish' && row.status === 'pending') row.status = 'vanished';
  if (kind === 'zero') row.amount_minor = 0;
}

describe('delivery planner against a model Firefly III', () => {
  it('creates nothing twice, keeps the person’s edits, follows the bank, and converges', () => {
    fc.assert(
      fc.property(
        fc.tuple(rowArb(1), rowArb(2), rowArb(3)),
        fc.nat(2),
        fc.array(runArb, { minLength: 1, maxLength: 8 }),
        (initial, drop, runs) => {
          const world = new World(initial.slice(0, 3 - drop));
          let seq = 100;
          runs.forEach((r, i) => {
            for (const c of r.changes) changeBank(world.rows[c.row % world.rows.length]!, c.kind, seq++);
            if (r.edit) world.personEdits(r.edit.row, [...r.edit.fields]);
            if (r.deleteInFirefly !== null) world.personDeletes(r.deleteInFirefly);
            const finished = world.run(i, r.pending, r.recreateDeleted, r.fault);
            // A killed run is followed by one that is not (the next delivery resolves what it left).
            if (!finished)
              expect(world.run(i, r.pending, r.recreateDeleted, { row: 0, kind: 'none' })).toBe(true);
            world.checkInSync(i, r.pending, r.recreateDeleted);
          });
          // However many runs and crashes: at most one group per row ever stored, bar re-creations.
          expect(world.firefly.groups.size).toBeLessThanOrEqual(world.rows.length);
        },
      ),
    );
  });

  it('an unchanged delivered row is unchanged; a changed amount or date is an update', () => {
    fc.assert(
      fc.property(rowArb(1), fc.constantFrom('amount', 'date', 'bump'), (row, kind) => {
        const conv = convertTransaction({ ...row, status: 'posted' }, TARGET, options('tag', 0)) as Group;
        const delivered = {
          ...row,
          status: 'posted' as const,
          f: asRow(
            deliveredRecord(FAMILY, { ...row, status: 'posted' }, conv, { groupId: '7', journalId: 'j7' }),
          ),
        };
        changeBank(delivered, kind, 500);
        const action = planDelivery({
          row: delivered,
          conversion: convertTransaction(delivered, TARGET, options('tag', 1)),
          recreateDeleted: false,
        });
        expect(action.kind).toBe(kind === 'bump' ? 'unchanged' : 'update');
        if (action.kind === 'update') expect(action.existing.groupId).toBe('7');
      }),
    );
  });
});

describe('transfers between two of the user’s accounts', () => {
  const CHECKING: TargetAccount = { ledgerAccountId: 'chk', fireflyAccountId: '1', sophtronAccountId: 'c' };
  const SAVINGS: TargetAccount = { ledgerAccountId: 'sav', fireflyAccountId: '2', sophtronAccountId: 's' };
  const mapped: ConvertOptions = {
    ...options('skip', 0),
    mapping: new Map([
      ['To Savings', { id: '2', type: 'asset' }],
      ['From Checking', { id: '1', type: 'asset' }],
    ]),
  };
  const side = (id: number, account: string, amount: number, merchant: string): DeliveryCandidate => ({
    id,
    account_id: account,
    provider_transaction_id: `x${id}`,
    status: 'posted',
    amount_minor: amount,
    currency: 'USD',
    date: '2026-03-01',
    transaction_date: null,
    post_date: null,
    description: merchant,
    merchant,
    category: null,
    memo: null,
    check_number: null,
    change_seq: id,
    f: null,
  });

  /** Checking's side goes out (-), savings' comes in (+); each side's target is its account's. */
  const targetOf = (row: DeliveryCandidate) => (row.account_id === 'chk' ? CHECKING : SAVINGS);

  /**
   * One side delivered as execute.ts does, its partner chosen among the other account's rows that
   * `inLedger` says the ledger holds yet. Returns the group store's size after it.
   */
  function deliverSide(
    rows: DeliveryCandidate[],
    row: DeliveryCandidate,
    inLedger: (r: DeliveryCandidate) => boolean,
    firefly: ModelFirefly,
  ): void {
    if (!inLedger(row) || !isCandidate(row, false)) return;
    const conversion = convertTransaction(row, targetOf(row), mapped);
    const facts: DeliveryFacts = { row, conversion, recreateDeleted: false };
    let action = planDelivery(facts);
    if (action.kind === 'find-partner') {
      const claimedBy = (id: number) =>
        rows.find((o) => o.id !== row.id && o.f?.state === 'paired' && o.f.paired_with === id)?.id ?? null;
      const sides = rows
        .filter((o) => o.account_id !== row.account_id && inLedger(o))
        .map((o) => ({
          id: o.id,
          date: o.date,
          deliveryState: o.f?.state ?? null,
          conversion: convertTransaction(o, targetOf(o), mapped),
          claimedBy: claimedBy(o.id),
        }));
      facts.partner = choosePartner(row, targetOf(row).fireflyAccountId, sides, claimedBy(row.id));
      action = planDelivery(facts);
    }
    if (action.kind === 'pair') row.f = asRow(pairedRecord(FAMILY, row, conversion, action.partnerId));
    else if (action.kind === 'create') {
      const id = firefly.store(action.conversion.body.transactions[0]!);
      row.f = asRow(deliveredRecord(FAMILY, row, action.conversion, { groupId: id, journalId: null }));
    } else if (action.kind === 'unchanged' || action.kind === 'update')
      row.f = asRow(deliveredRecord(FAMILY, row, action.conversion, action.existing));
    else throw new Error(`unexpected ${action.kind}`);
  }

  it('are delivered from one side only, whatever the order and the changes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            order: fc.subarray([0, 1], { minLength: 1 }),
            reverse: fc.boolean(),
            bump: fc.option(fc.nat(1), { nil: null }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.tuple(fc.nat(4), fc.nat(4)),
        fc.boolean(),
        (runs, appear, lastReversed) => {
          const rows = [side(1, 'chk', -5000, 'To Savings'), side(2, 'sav', 5000, 'From Checking')];
          const firefly = new ModelFirefly();
          let seq = 10;
          runs.forEach((run, n) => {
            if (run.bump !== null) rows[run.bump]!.change_seq = seq++;
            // A side the bank has not listed yet is not in the ledger: the other side is delivered alone.
            for (const i of run.reverse ? [...run.order].reverse() : run.order) {
              deliverSide(rows, rows[i]!, (r) => appear[r.id - 1]! <= n, firefly);
              expect(firefly.groups.size).toBeLessThanOrEqual(1);
              expect(rows.filter((r) => r.f?.state === 'paired').length).toBeLessThanOrEqual(1);
            }
          });
          // Once both sides are in the ledger and delivered: the transfer is in Firefly, once.
          for (const i of lastReversed ? [1, 0] : [0, 1]) deliverSide(rows, rows[i]!, () => true, firefly);
          expect(firefly.groups.size).toBe(1);
          expect([...firefly.groups.values()][0]!.split.type).toBe('transfer');
          expect(rows.map((r) => r.f?.state).sort()).toEqual(['delivered', 'paired']);
        },
      ),
    );
  });

  it('of the same amount, each delivered as the bank lists it, are each in Firefly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }).chain((n) =>
          fc.shuffledSubarray(
            Array.from({ length: 2 * n }, (_, i) => i),
            { minLength: 2 * n, maxLength: 2 * n },
          ),
        ),
        (arrival) => {
          const n = arrival.length / 2;
          const rows = arrival.map((k, id) =>
            k < n ? side(id + 1, 'chk', -5000, 'To Savings') : side(id + 1, 'sav', 5000, 'From Checking'),
          );
          const firefly = new ModelFirefly();
          const listed = new Set<DeliveryCandidate>();
          for (const row of rows) {
            listed.add(row);
            deliverSide(rows, row, (r) => listed.has(r), firefly);
          }
          expect(firefly.groups.size).toBe(n);
          expect(rows.filter((r) => r.f?.state === 'paired')).toHaveLength(n);
        },
      ),
    );
  });
});

describe('transfers of the same amount within the matching window', () => {
  const MATCH_DAYS = 5;
  const links = new Map(
    [
      ['chk', '1'],
      ['sav', '2'],
    ].map(([account, id]) => [account!, { state: 'linked', firefly_account_id: id } as FireflyAccountRow]),
  );
  const mapped: ConvertOptions = {
    ...options('skip', 0),
    mapping: new Map([
      ['To Savings', { id: '2', type: 'asset' }],
      ['From Checking', { id: '1', type: 'asset' }],
    ]),
  };

  /**
   * The ledger as a delivery reads it (store/firefly-delivery.ts): the rows the bank has listed so
   * far, and the delivery records written so far. A run's records are written in batches, so a
   * run may read records older than its own decisions, as the executor does.
   */
  class ModelLedger {
    readonly written = new Map<number, FireflyTransactionRow>();
    listed = new Set<number>();

    constructor(readonly rows: DeliveryCandidate[]) {}

    transferSides(_family: string, accountId: string, amountMinor: number, w: { from: string; to: string }) {
      const sides = this.rows.filter(
        (r) =>
          this.listed.has(r.id) &&
          r.account_id === accountId &&
          r.amount_minor === amountMinor &&
          r.date >= w.from &&
          r.date <= w.to,
      );
      return Promise.resolve(
        sides.map(
          (r) =>
            ({ ...r, partner_state: this.written.get(r.id)?.state ?? null }) as unknown as TransferSideRow,
        ),
      );
    }

    pairedWith(_family: string, ids: number[]) {
      const claims = [...this.written.values()].filter(
        (f) => f.state === 'paired' && f.paired_with !== null && ids.includes(f.paired_with),
      );
      return Promise.resolve(
        claims.map((f) => ({ transaction_id: f.transaction_id, paired_with: f.paired_with! })),
      );
    }
  }

  const transferArb = fc.record({
    day: fc.integer({ min: 1, max: 5 }),
    lag: fc.integer({ min: 0, max: 1 }),
    outListed: fc.nat(2),
    inListed: fc.nat(2),
  });

  it('pair each side with one counterpart at most, so each transfer is in Firefly once, in whatever runs the bank lists them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(transferArb, { minLength: 2, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (transfers, concurrent, writeEachRow) => {
          // Each transfer's two sides (checking's out, savings' in), the ledger ids in the order listed.
          const sides = transfers.flatMap((t) => [
            { account: 'chk', amount: -5000, merchant: 'To Savings', day: t.day, listed: t.outListed },
            {
              account: 'sav',
              amount: 5000,
              merchant: 'From Checking',
              day: t.day + t.lag,
              listed: t.inListed,
            },
          ]);
          const byListing = sides
            .map((s, i) => ({ ...s, i }))
            .sort((a, b) => a.listed - b.listed || a.i - b.i);
          const rows: DeliveryCandidate[] = byListing.map((s, k) => ({
            id: k + 1,
            account_id: s.account,
            provider_transaction_id: `x${k + 1}`,
            status: 'posted',
            amount_minor: s.amount,
            currency: 'USD',
            date: `2026-03-${String(s.day).padStart(2, '0')}`,
            transaction_date: null,
            post_date: null,
            description: s.merchant,
            merchant: s.merchant,
            category: null,
            memo: null,
            check_number: null,
            change_seq: k + 1,
            f: null,
          }));
          const ledger = new ModelLedger(rows);
          const firefly = new ModelFirefly();

          for (let run = 0; run <= 3; run++) {
            for (const [k, s] of byListing.entries()) if (s.listed <= run) ledger.listed.add(k + 1);
            const scope = new DeliveryScope({
              ledger: ledger as unknown as FireflyDeliveryRepository,
              familyId: FAMILY,
              links,
              sophtronIds: new Map(),
              convertOptions: mapped,
              transferMatchDays: MATCH_DAYS,
            });
            const candidates = rows
              .filter((r) => ledger.listed.has(r.id) && isCandidate(r, false))
              .sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
            const unwritten: DeliveryRecord[] = [];
            const write = () => {
              for (const rec of unwritten.splice(0)) {
                ledger.written.set(rec.transaction_id, asRow(rec));
                rows.find((r) => r.id === rec.transaction_id)!.f = asRow(rec);
              }
            };
            const deliver = async (row: DeliveryCandidate) => {
              const conversion = scope.convert(row) as Group;
              const facts: DeliveryFacts = { row, conversion, recreateDeleted: false };
              let action = planDelivery(facts);
              if (action.kind === 'find-partner') {
                facts.partner = await scope.findPartner(row, conversion);
                action = planDelivery(facts);
              }
              if (action.kind === 'pair')
                unwritten.push(pairedRecord(FAMILY, row, conversion, action.partnerId));
              else if (action.kind === 'create') {
                const id = firefly.store(action.conversion.body.transactions[0]!);
                unwritten.push(
                  deliveredRecord(FAMILY, row, action.conversion, { groupId: id, journalId: null }),
                );
              } else throw new Error(`unexpected ${action.kind}`);
              if (writeEachRow) write();
            };
            if (concurrent) await Promise.all(candidates.map(deliver));
            else for (const row of candidates) await deliver(row);
            write();

            // No side is ever claimed by two, and what a side pairs with is the other account's.
            const claimed = rows.filter((r) => r.f?.state === 'paired').map((r) => r.f!.paired_with);
            expect(new Set(claimed).size, 'a side claimed twice').toBe(claimed.length);
          }

          // Everything listed and delivered: each transfer in Firefly once, from one side.
          expect(firefly.groups.size).toBe(transfers.length);
          for (const g of firefly.groups.values()) expect(g.split.type).toBe('transfer');
          for (const r of rows) {
            expect(['delivered', 'paired']).toContain(r.f?.state);
            if (r.f?.state !== 'paired') continue;
            const partner = rows.find((o) => o.id === r.f!.paired_with)!;
            expect(partner.account_id).not.toBe(r.account_id);
            expect(partner.f?.state).toBe('delivered');
          }
        },
      ),
    );
  });
});

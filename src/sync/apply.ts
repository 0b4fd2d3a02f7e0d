/**
 * Reads the ledger rows a plan needs and writes a plan, inside one database transaction per account.
 * Every query is bounded by the window or by an index on a small set (pending rows, fetched ids), so
 * the work of a sync grows with the window, not with the account's history.
 */
import type { Kysely } from 'kysely';
import { lockAccountForWrite } from '../store/dialect.js';
import { reserveChangeSeqs } from '../store/transactions.js';
import type { Database } from '../store/schema.js';
import type { CalendarDate, ProviderTransactionData } from '../domain/types.js';
import { addDays } from '../dates.js';
import {
  FIELD_NAMES,
  planSync,
  type DeletedPendingRow,
  type LedgerRow,
  type PlanOptions,
  type SyncPlan,
} from './plan.js';

type Db = Kysely<Database>;

/** SQLite allows 32 766 bound values per statement; stay far below with room for every column. */
const CHUNK = 500;

const LEDGER_COLUMNS = [
  'id',
  'provider_transaction_id',
  ...FIELD_NAMES,
  'replaced_pending_id',
  'last_seen_date',
] as const satisfies readonly (keyof LedgerRow)[];

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const toRow = (r: Omit<LedgerRow, 'id'> & { id: number | bigint }): LedgerRow => ({ ...r, id: Number(r.id) });

/** The rows `ledgerRowNeeded` (plan.ts) describes, each read through an index. */
export async function loadLedgerRows(
  db: Db,
  accountId: string,
  window: { from: CalendarDate; to: CalendarDate },
  matchDays: number,
  fetched: readonly ProviderTransactionData[],
): Promise<LedgerRow[]> {
  const rows = new Map<number, LedgerRow>();
  const add = (list: (Omit<LedgerRow, 'id'> & { id: number | bigint })[]) => {
    for (const r of list) rows.set(Number(r.id), toRow(r));
  };
  const base = () => db.selectFrom('transactions').select(LEDGER_COLUMNS).where('account_id', '=', accountId);
  // transactions_account_date
  add(
    await base()
      .where('date', '>=', addDays(window.from, -matchDays))
      .where('date', '<=', window.to)
      .execute(),
  );
  // transactions_account_pending (partial)
  add(await base().where('status', '=', 'pending').execute());
  // transactions_account_ptid (unique): rows whose date the bank moved out of the window.
  const ids = [...new Set(fetched.map((t) => t.transactionId))];
  for (const part of chunks(ids)) add(await base().where('provider_transaction_id', 'in', part).execute());
  // transactions_account_replaced (partial): merged rows whose pending copy is still listed.
  const pendingIds = [...new Set(fetched.filter((t) => t.status === 'pending').map((t) => t.transactionId))];
  for (const part of chunks(pendingIds)) add(await base().where('replaced_pending_id', 'in', part).execute());
  return [...rows.values()].sort((a, b) => a.id - b.id);
}

/**
 * TransactionIDs of this payload the user deleted (primary-key lookups), and for the posted
 * successors of deleted pending rows among them, the pending id each replaced.
 */
export async function loadTombstones(
  db: Db,
  accountId: string,
  fetched: readonly ProviderTransactionData[],
): Promise<{ tombstones: Set<string>; successorOf: Map<string, string> }> {
  const tombstones = new Set<string>();
  const successorOf = new Map<string, string>();
  const ids = [...new Set(fetched.map((t) => t.transactionId))];
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('tombstones')
      .select(['provider_transaction_id', 'origin', 'replaced_pending_id'])
      .where('account_id', '=', accountId)
      .where('provider_transaction_id', 'in', part)
      .execute();
    for (const r of rows) {
      tombstones.add(r.provider_transaction_id);
      if (r.origin === 'successor' && r.replaced_pending_id) {
        successorOf.set(r.provider_transaction_id, r.replaced_pending_id);
      }
    }
  }
  return { tombstones, successorOf };
}

/**
 * Deleted pending rows whose posted successor may be in this window (`deletedPendingNeeded` in
 * plan.ts), through the partial index tombstones_account_open_pending.
 */
export async function loadDeletedPending(
  db: Db,
  accountId: string,
  window: { from: CalendarDate; to: CalendarDate },
  matchDays: number,
): Promise<DeletedPendingRow[]> {
  const rows = await db
    .selectFrom('tombstones')
    .select(['provider_transaction_id', 'amount_minor', 'date', 'description', 'merchant', 'transaction_id'])
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .where('successor_id', 'is', null)
    .where('date', '>=', addDays(window.from, -matchDays))
    .where('date', '<=', window.to)
    .execute();
  const out: DeletedPendingRow[] = [];
  for (const r of rows) {
    if (r.amount_minor === null || r.date === null) continue;
    out.push({
      provider_transaction_id: r.provider_transaction_id,
      amount_minor: r.amount_minor,
      date: r.date,
      description: r.description,
      merchant: r.merchant,
      transaction_id: Number(r.transaction_id ?? 0),
    });
  }
  return out.sort((a, b) => a.transaction_id - b.transaction_id);
}

export interface ApplyContext {
  accountId: string;
  /** The account's currency: the ledger never guesses one per transaction. */
  currency: string;
  today: CalendarDate;
  /** ISO timestamp of this sync. */
  now: string;
}

/** Writes a plan. Call inside a transaction (applyAccountSync does). Returns the rows written. */
export async function applyPlan(db: Db, plan: SyncPlan, ctx: ApplyContext): Promise<number> {
  const changed = plan.updates.length + plan.merges.length + plan.vanishings.length + plan.inserts.length;
  let seq = changed > 0 ? await reserveChangeSeqs(db, changed) : 0;
  const seen = { last_seen_at: ctx.now, last_seen_date: ctx.today };
  const byId = (id: number) =>
    db.updateTable('transactions').where('id', '=', id).where('account_id', '=', ctx.accountId);
  const mustTouchOne = (r: { numUpdatedRows: bigint }, what: string) => {
    if (r.numUpdatedRows !== 1n) throw new Error(`ledger changed under the sync (${what})`);
  };

  for (const u of plan.updates) {
    const r = await byId(u.ledgerId)
      .set({ ...u.changes, ...seen, ...(u.revived ? { vanished_at: null } : {}), change_seq: seq++ })
      .executeTakeFirst();
    mustTouchOne(r, `update of ${u.providerTransactionId}`);
  }
  for (const m of plan.merges) {
    const r = await byId(m.ledgerId)
      .where('status', '=', 'pending')
      .set({
        ...m.fields,
        ...seen,
        provider_transaction_id: m.postedId,
        replaced_pending_id: m.pendingId,
        vanished_at: null,
        change_seq: seq++,
      })
      .executeTakeFirst();
    mustTouchOne(r, `merge of ${m.pendingId} into ${m.postedId}`);
  }
  for (const v of plan.vanishings) {
    const r = await byId(v.ledgerId)
      .where('status', '=', 'pending')
      .set({ status: 'vanished', vanished_at: ctx.now, change_seq: seq++ })
      .executeTakeFirst();
    mustTouchOne(r, `vanishing of ${v.providerTransactionId}`);
  }
  for (const part of chunks(plan.seen)) {
    await db
      .updateTable('transactions')
      .set(seen)
      .where('account_id', '=', ctx.accountId)
      .where('id', 'in', part)
      .execute();
  }
  // 20 columns a row: 500 rows stay well under SQLite's bound-value limit.
  for (const part of chunks(plan.inserts)) {
    await db
      .insertInto('transactions')
      .values(
        part.map((i) => ({
          account_id: ctx.accountId,
          provider_transaction_id: i.providerTransactionId,
          ...i.fields,
          currency: ctx.currency,
          replaced_pending_id: i.replacedPendingId,
          first_seen_at: ctx.now,
          last_seen_at: ctx.now,
          last_seen_date: ctx.today,
          vanished_at: null,
          change_seq: seq++,
        })),
      )
      .execute();
  }
  const restored = plan.inserts
    .filter((i) => i.restoresDeleted)
    .flatMap((i) => [i.providerTransactionId, ...(i.replacedPendingId ? [i.replacedPendingId] : [])]);
  for (const part of chunks(restored)) {
    await db
      .deleteFrom('tombstones')
      .where('account_id', '=', ctx.accountId)
      .where('provider_transaction_id', 'in', part)
      .execute();
  }
  for (const d of plan.deletedSuccessors) await tombstoneSuccessor(db, ctx.accountId, d);
  const successorRows = plan.deletedSuccessors.reduce((n, d) => n + (d.postedId === d.pendingId ? 1 : 2), 0);
  return changed + plan.seen.length + successorRows;
}

/**
 * The posted transaction that replaced a deleted pending row stays deleted: it gets a tombstone of
 * its own (same deletion: who, when, which ledger row), and the pending row's tombstone records it,
 * so it is not matched again.
 */
async function tombstoneSuccessor(
  db: Db,
  accountId: string,
  d: SyncPlan['deletedSuccessors'][number],
): Promise<void> {
  const pending = await db
    .selectFrom('tombstones')
    .select(['deleted_at', 'deleted_by', 'transaction_id', 'change_seq'])
    .where('account_id', '=', accountId)
    .where('provider_transaction_id', '=', d.pendingId)
    .executeTakeFirstOrThrow();
  if (d.postedId !== d.pendingId) {
    await db
      .insertInto('tombstones')
      .values({
        ...pending,
        account_id: accountId,
        provider_transaction_id: d.postedId,
        origin: 'successor',
        status: d.fields.status,
        amount_minor: d.fields.amount_minor,
        date: d.fields.date,
        description: d.fields.description,
        merchant: d.fields.merchant,
        replaced_pending_id: d.pendingId,
        successor_id: null,
      })
      .onConflict((oc) => oc.columns(['account_id', 'provider_transaction_id']).doNothing())
      .execute();
  }
  await db
    .updateTable('tombstones')
    .set({ successor_id: d.postedId })
    .where('account_id', '=', accountId)
    .where('provider_transaction_id', '=', d.pendingId)
    .execute();
}

export interface AccountSyncInput extends ApplyContext {
  fetched: readonly ProviderTransactionData[];
  planOptions: Omit<PlanOptions, 'today'>;
  /** Further writes that must commit with the ledger changes (balances, sync state, run record). */
  alsoWrite?: (trx: Db, outcome: AccountSyncApplied) => Promise<void>;
}

export interface AccountSyncApplied {
  plan: SyncPlan;
  rowsRead: number;
  rowsWritten: number;
}

/**
 * Reads, plans and writes one account in ONE database transaction: an error anywhere (a bad row, a
 * constraint, the caller's alsoWrite) rolls everything back, so the ledger is never half-written.
 * The account is locked for writing before the ledger is read (store/dialect.ts): two syncs of the
 * same account (web, scheduler, workers) cannot plan against the same stale rows.
 */
export async function applyAccountSync(db: Db, input: AccountSyncInput): Promise<AccountSyncApplied> {
  const work = async (trx: Db): Promise<AccountSyncApplied> => {
    await lockAccountForWrite(trx as Kysely<unknown>, input.accountId);
    const { window, pendingMatchDays } = input.planOptions;
    const ledger = await loadLedgerRows(trx, input.accountId, window, pendingMatchDays, input.fetched);
    const { tombstones, successorOf } = await loadTombstones(trx, input.accountId, input.fetched);
    const deletedPending = await loadDeletedPending(trx, input.accountId, window, pendingMatchDays);
    const plan = planSync(
      { fetched: input.fetched, ledger, tombstones, deletedPending, successorOf },
      { ...input.planOptions, today: input.today },
    );
    const rowsWritten = await applyPlan(trx, plan, input);
    const applied = { plan, rowsRead: ledger.length, rowsWritten };
    await input.alsoWrite?.(trx, applied);
    return applied;
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

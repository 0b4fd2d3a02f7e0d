/**
 * The sync engine's side of the ledger: the rows a plan needs (read inside the account's write lock)
 * and the writing of a plan. Every query is bounded by the window or by an index on a small set
 * (pending rows, fetched ids), so the work of a sync grows with the window, not with the account's
 * history. The planner itself (src/sync/plan.ts) is pure; the shapes here are the columns it reads
 * and the changes it decides, and its row types are these.
 */
import type { Kysely } from 'kysely';
import type { CalendarDate, ProviderTransactionData } from '../domain/types.js';
import { addDays } from '../dates.js';
import { lockAccountForWrite } from './dialect.js';
import type { TransactionsTable } from './schema.js';
import { reserveChangeSeqs } from './transactions.js';
import { StoreError, type Db } from './util.js';

/** The columns a fetched transaction sets: one list, so the planner compares what the store reads. */
export const SYNCED_FIELD_NAMES = [
  'status',
  'amount_minor',
  'date',
  'transaction_date',
  'post_date',
  'description',
  'merchant',
  'category',
  'memo',
  'check_number',
] as const satisfies readonly (keyof TransactionsTable)[];

/** Those columns' values: a transactions row's own, but never vanished. */
export type SyncedFields = Pick<TransactionsTable, Exclude<(typeof SYNCED_FIELD_NAMES)[number], 'status'>> & {
  status: 'pending' | 'posted';
};

/** A transactions row as the planner reads it. */
export type LedgerSyncRow = Omit<SyncedFields, 'status'> &
  Pick<TransactionsTable, 'provider_transaction_id' | 'status' | 'replaced_pending_id' | 'last_seen_date'> & {
    id: number;
  };

/** A tombstone of a deleted pending row, with the facts a merge compares. */
export interface DeletedPendingLedgerRow {
  provider_transaction_id: string;
  amount_minor: number;
  date: CalendarDate;
  description: string | null;
  merchant: string | null;
  /** The deleted ledger row's id: orders ties like a pending row's id does. */
  transaction_id: number;
}

/** What the planner needs of one account's ledger for one window and payload. */
export interface LedgerForSync {
  ledger: LedgerSyncRow[];
  /** TransactionIDs of the payload the user deleted. */
  tombstones: Set<string>;
  /** Tombstoned posted successors of deleted pending rows → the pending id each replaced. */
  successorOf: Map<string, string>;
  deletedPending: DeletedPendingLedgerRow[];
}

/** The changes of a sync plan (src/sync/plan.ts SyncPlan), as written. */
export interface LedgerWrites {
  inserts: readonly {
    providerTransactionId: string;
    fields: SyncedFields;
    restoresDeleted: boolean;
    replacedPendingId: string | null;
  }[];
  updates: readonly {
    ledgerId: number;
    providerTransactionId: string;
    changes: Partial<SyncedFields>;
    revived: boolean;
  }[];
  merges: readonly { ledgerId: number; pendingId: string; postedId: string; fields: SyncedFields }[];
  vanishings: readonly { ledgerId: number; providerTransactionId: string }[];
  deletedSuccessors: readonly { pendingId: string; postedId: string; fields: SyncedFields }[];
  seen: readonly number[];
}

export interface LedgerWriteContext {
  accountId: string;
  /** The account's currency: the ledger never guesses one per transaction. */
  currency: string;
  today: CalendarDate;
  /** ISO timestamp of this sync. */
  now: string;
}

/** SQLite allows 32 766 bound values per statement; stay far below with room for every column. */
const CHUNK = 500;

const LEDGER_COLUMNS = [
  'id',
  'provider_transaction_id',
  ...SYNCED_FIELD_NAMES,
  'replaced_pending_id',
  'last_seen_date',
] as const satisfies readonly (keyof LedgerSyncRow)[];

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type RawRow = Omit<LedgerSyncRow, 'id'> & { id: number | bigint };
const toRow = (r: RawRow): LedgerSyncRow => ({ ...r, id: Number(r.id) });

/** Fails unless the account is the family's: nothing of another family's is read or written. */
async function assertFamilyAccount(db: Db, familyId: string, accountId: string): Promise<void> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', '=', accountId)
    .where('family_id', '=', familyId)
    .executeTakeFirst();
  if (!row) throw new StoreError(`account ${accountId} not found`, 'not_found');
}

/** The rows `ledgerRowNeeded` (src/sync/plan.ts) describes, each read through an index. */
async function loadLedgerRows(
  db: Db,
  accountId: string,
  window: { from: CalendarDate; to: CalendarDate },
  matchDays: number,
  fetched: readonly ProviderTransactionData[],
): Promise<LedgerSyncRow[]> {
  const rows = new Map<number, LedgerSyncRow>();
  const add = (list: RawRow[]) => {
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
async function loadTombstones(
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
 * src/sync/plan.ts), through the partial index tombstones_account_open_pending.
 */
async function loadDeletedPending(
  db: Db,
  accountId: string,
  window: { from: CalendarDate; to: CalendarDate },
  matchDays: number,
): Promise<DeletedPendingLedgerRow[]> {
  const rows = await db
    .selectFrom('tombstones')
    .select(['provider_transaction_id', 'amount_minor', 'date', 'description', 'merchant', 'transaction_id'])
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .where('successor_id', 'is', null)
    .where('date', '>=', addDays(window.from, -matchDays))
    .where('date', '<=', window.to)
    .execute();
  const out: DeletedPendingLedgerRow[] = [];
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

/** Writes a plan's changes; returns the rows written. */
async function applyWrites(db: Db, plan: LedgerWrites, ctx: LedgerWriteContext): Promise<number> {
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
  d: LedgerWrites['deletedSuccessors'][number],
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

export function ledgerWritesRepository(db: Db) {
  return {
    /**
     * Locks the account for writing, then reads what the planner needs (call it inside
     * `store.transaction`, which then writes the plan): the lock comes before the ledger is read,
     * so two syncs of the same account (web, scheduler, workers) cannot plan against the same
     * stale rows. How it locks differs by database (dialect.ts `lockAccountForWrite`).
     */
    async readLedgerForSync(
      familyId: string,
      accountId: string,
      need: {
        window: { from: CalendarDate; to: CalendarDate };
        matchDays: number;
        fetched: readonly ProviderTransactionData[];
      },
    ): Promise<LedgerForSync> {
      await lockAccountForWrite(db as Kysely<unknown>, accountId);
      await assertFamilyAccount(db, familyId, accountId);
      const ledger = await loadLedgerRows(db, accountId, need.window, need.matchDays, need.fetched);
      const { tombstones, successorOf } = await loadTombstones(db, accountId, need.fetched);
      const deletedPending = await loadDeletedPending(db, accountId, need.window, need.matchDays);
      return { ledger, tombstones, successorOf, deletedPending };
    },

    /**
     * Writes a plan's changes, each changed row with a new change_seq; returns the rows written.
     * Call it in the transaction that read the ledger (readLedgerForSync): a row that changed
     * meanwhile fails it, naming the change.
     */
    async writeSyncPlan(familyId: string, plan: LedgerWrites, ctx: LedgerWriteContext): Promise<number> {
      await assertFamilyAccount(db, familyId, ctx.accountId);
      return applyWrites(db, plan, ctx);
    },

    /** The oldest pending row's date, through the partial index on pending rows (null: none). */
    async oldestPendingDate(familyId: string, accountId: string): Promise<CalendarDate | null> {
      const row = await db
        .selectFrom('transactions')
        .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
        .select((eb) => eb.fn.min<string>('transactions.date').as('oldest'))
        .where('transactions.account_id', '=', accountId)
        .where('accounts.family_id', '=', familyId)
        .where('transactions.status', '=', 'pending')
        .executeTakeFirst();
      return row?.oldest ?? null;
    },
  };
}

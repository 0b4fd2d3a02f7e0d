// Long because: every correctness rule of the sync (match, update, pending→posted merge, vanish, tombstones, ties) in one pure module, so one property test covers them together.
/**
 * The sync planner: pure, no I/O. It compares what Sophtron returned for a window with the ledger
 * rows of that window and says what must change. Everything about correctness lives here, so it is
 * property-tested (plan.property.test.ts); apply.ts only writes what the plan says.
 *
 * Rules, each one a complaint about the peers (Firefly data importer, Sure, Actual):
 * - the key is (account, Sophtron TransactionID); a row seen again is compared field by field and
 *   updated when the bank changed it (Sure never updates a stored transaction);
 * - a pending transaction whose ID disappeared is merged into the new posted transaction that
 *   replaced it (same amount, dates within PENDING_MATCH_DAYS, similar description): one ledger row,
 *   same ledger id, so destinations update instead of duplicating (FIDI #9268, #9335, #9978);
 * - a pending transaction gone without a replacement is marked vanished after PENDING_GRACE_DAYS,
 *   never deleted;
 * - posted rows missing from a window are left alone: banks drop rows at window edges;
 * - a transaction the user deleted (tombstone) is not re-created unless asked, nor is the posted
 *   transaction that replaces a pending one the user deleted (found like a merge, against the
 *   tombstone's facts).
 */
import {
  SYNCED_FIELD_NAMES,
  type DeletedPendingLedgerRow,
  type LedgerSyncRow,
  type SyncedFields,
} from '../store/ledger-writes.js';
import type { CalendarDate, ProviderTransactionData } from '../domain/types.js';
import { addDays, daysBetween, isCalendarDate } from '../dates.js';
import { descriptionSimilarity, MIN_MERGE_SIMILARITY } from './similarity.js';

/** The columns a fetched transaction sets; the store writes the same shape. */
export type TransactionFields = SyncedFields;

/** The ledger columns the planner reads (a transactions row). */
export type LedgerRow = LedgerSyncRow;

export interface PlanInsert {
  providerTransactionId: string;
  fields: TransactionFields;
  /** Re-created although the user had deleted it (only with includeDeleted): its tombstone goes. */
  restoresDeleted: boolean;
  /** With includeDeleted: the deleted pending row this posted one replaces (its tombstone goes too). */
  replacedPendingId: string | null;
}

export interface PlanUpdate {
  ledgerId: number;
  providerTransactionId: string;
  changes: Partial<TransactionFields>;
  /** The row had vanished and the bank shows it again. */
  revived: boolean;
}

export interface PlanMerge {
  /** The pending row's ledger id, which the merged (posted) transaction keeps. */
  ledgerId: number;
  pendingId: string;
  postedId: string;
  fields: TransactionFields;
  dateDistance: number;
  similarity: number;
}

/** The posted transaction that replaced a pending one the user deleted: not created, tombstoned too. */
export interface PlanDeletedSuccessor {
  pendingId: string;
  postedId: string;
  fields: TransactionFields;
  dateDistance: number;
  similarity: number;
}

export interface PlanVanish {
  ledgerId: number;
  providerTransactionId: string;
}

export interface PlanIgnored {
  providerTransactionId: string;
  reason: 'deleted_by_user' | 'pending_already_replaced' | 'other_account';
}

export interface SyncPlan {
  inserts: PlanInsert[];
  updates: PlanUpdate[];
  merges: PlanMerge[];
  vanishings: PlanVanish[];
  /** Posted successors of deleted pending rows (each is also in `ignored` as deleted_by_user). */
  deletedSuccessors: PlanDeletedSuccessor[];
  /** Pending rows seen again unchanged: only their last-seen date moves (no change_seq: nothing to deliver). */
  seen: number[];
  ignored: PlanIgnored[];
}

export interface PlanOptions {
  /** The family's calendar day of this sync. */
  today: CalendarDate;
  window: { from: CalendarDate; to: CalendarDate };
  /** Sophtron account id: rows of any other account in the payload are ignored. */
  accountId: string;
  pendingMatchDays: number;
  pendingGraceDays: number;
  includeDeleted?: boolean;
}

export interface PlanInput {
  fetched: readonly ProviderTransactionData[];
  /** Ledger rows of the window (see ledgerRowsNeeded in apply.ts for which rows must be here). */
  ledger: readonly LedgerRow[];
  /** TransactionIDs the user deleted in this account (at least those fetched). */
  tombstones: ReadonlySet<string>;
  /**
   * Pending rows the user deleted whose posted successor has not been seen yet (see
   * deletedPendingNeeded for which must be here).
   */
  deletedPending?: readonly DeletedPendingRow[];
  /** Tombstoned posted successors (at least those fetched) → the deleted pending id each replaced. */
  successorOf?: ReadonlyMap<string, string>;
}

/** A tombstone of a deleted pending row, with the facts a merge compares. */
export type DeletedPendingRow = DeletedPendingLedgerRow;

/** A fetched transaction the ledger cannot hold; the account's sync fails naming it and the field. */
export class PlanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanInputError';
  }
}

export const isEmptyPlan = (p: SyncPlan): boolean =>
  p.inserts.length +
    p.updates.length +
    p.merges.length +
    p.vanishings.length +
    p.deletedSuccessors.length +
    p.seen.length ===
  0;

export function fieldsOf(tx: ProviderTransactionData): TransactionFields {
  return {
    status: tx.status,
    amount_minor: tx.amount,
    date: tx.date,
    transaction_date: tx.transactionDate,
    post_date: tx.postDate,
    description: tx.description,
    merchant: tx.merchant,
    category: tx.category,
    memo: tx.memo,
    check_number: tx.checkNumber,
  };
}

function check(tx: ProviderTransactionData): void {
  const where = `transaction ${JSON.stringify(tx.transactionId)}`;
  if (!tx.transactionId) throw new PlanInputError('a transaction has no TransactionID');
  if (!Number.isSafeInteger(tx.amount)) throw new PlanInputError(`${where}: amount is not whole minor units`);
  if (tx.status !== 'pending' && tx.status !== 'posted') {
    throw new PlanInputError(`${where}: status ${JSON.stringify(tx.status)} is neither pending nor posted`);
  }
  for (const [name, d] of [
    ['date', tx.date],
    ['transactionDate', tx.transactionDate],
    ['postDate', tx.postDate],
  ] as const) {
    if (d !== null && !isCalendarDate(d))
      throw new PlanInputError(`${where}: ${name} ${JSON.stringify(d)} is not a date`);
  }
  if (tx.date === null) throw new PlanInputError(`${where}: date is missing`);
}

/** One row per TransactionID; when a payload repeats one, the posted copy (then the later date) wins. */
function dedupe(fetched: readonly ProviderTransactionData[]): Map<string, ProviderTransactionData> {
  const out = new Map<string, ProviderTransactionData>();
  for (const tx of fetched) {
    const prev = out.get(tx.transactionId);
    if (!prev) out.set(tx.transactionId, tx);
    else {
      const rank = (t: ProviderTransactionData) =>
        `${t.status === 'posted' ? 1 : 0}|${t.date}|${t.description ?? ''}`;
      if (rank(tx) > rank(prev)) out.set(tx.transactionId, tx);
    }
  }
  return out;
}

function diff(row: LedgerRow, fields: TransactionFields): Partial<TransactionFields> {
  const changes: Partial<TransactionFields> = {};
  for (const k of SYNCED_FIELD_NAMES) {
    if (row[k] !== fields[k]) (changes as Record<string, unknown>)[k] = fields[k];
  }
  return changes;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A pending transaction that may have posted: a ledger row, or one the user deleted. */
type Candidate = Pick<
  LedgerRow,
  'id' | 'provider_transaction_id' | 'amount_minor' | 'date' | 'description' | 'merchant'
> & { deleted: boolean };

export function planSync(input: PlanInput, options: PlanOptions): SyncPlan {
  const plan: SyncPlan = {
    inserts: [],
    updates: [],
    merges: [],
    vanishings: [],
    deletedSuccessors: [],
    seen: [],
    ignored: [],
  };
  const ours: ProviderTransactionData[] = [];
  for (const tx of input.fetched) {
    if (tx.accountId !== options.accountId) {
      plan.ignored.push({ providerTransactionId: tx.transactionId, reason: 'other_account' });
      continue;
    }
    check(tx);
    ours.push(tx);
  }
  const fetched = dedupe(ours);

  const byId = new Map<string, LedgerRow>();
  const byReplacedPending = new Map<string, LedgerRow>();
  for (const row of input.ledger) {
    byId.set(row.provider_transaction_id, row);
    if (row.replaced_pending_id) byReplacedPending.set(row.replaced_pending_id, row);
  }

  // Sorted so that the plan (and every tie) is the same whatever order the bank sent.
  const ids = [...fetched.keys()].sort(byString);
  const newPosted: ProviderTransactionData[] = [];
  const newPending: ProviderTransactionData[] = [];
  const restoring = new Set<string>();
  /** Posted id → the deleted pending id it replaces, for rows brought back with includeDeleted. */
  const restoredPending = new Map<string, string>();
  const deletedPendingIds = new Set((input.deletedPending ?? []).map((d) => d.provider_transaction_id));
  for (const id of ids) {
    const tx = fetched.get(id)!;
    const fields = fieldsOf(tx);
    const row = byId.get(id);
    if (row) {
      const changes = diff(row, fields);
      if (Object.keys(changes).length > 0) {
        plan.updates.push({
          ledgerId: row.id,
          providerTransactionId: id,
          changes,
          revived: row.status === 'vanished',
        });
      } else if (row.status === 'pending' && row.last_seen_date < options.today) {
        plan.seen.push(row.id);
      }
      continue;
    }
    if (tx.status === 'pending' && byReplacedPending.has(id)) {
      // The bank still lists the pending copy of a transaction already merged into its posted one.
      plan.ignored.push({ providerTransactionId: id, reason: 'pending_already_replaced' });
      continue;
    }
    if (input.tombstones.has(id)) {
      if (!options.includeDeleted) {
        plan.ignored.push({ providerTransactionId: id, reason: 'deleted_by_user' });
        // A deleted pending row posted under the same id: it is its own successor, found.
        if (tx.status === 'posted' && deletedPendingIds.has(id)) {
          plan.deletedSuccessors.push({
            pendingId: id,
            postedId: id,
            fields,
            dateDistance: 0,
            similarity: 1,
          });
        }
        continue;
      }
      restoring.add(id);
      const replaced = input.successorOf?.get(id);
      if (replaced) restoredPending.set(id, replaced);
    }
    (tx.status === 'posted' ? newPosted : newPending).push(tx);
  }

  // Pending rows the bank no longer lists. Rows dated after the window were not asked for, so their
  // absence says nothing. Deleted pending rows are looked for the same way: their posted successor
  // must not come back either.
  const notListed = (id: string, date: CalendarDate) => !fetched.has(id) && date <= options.window.to;
  const gone = input.ledger
    .filter((r) => r.status === 'pending' && notListed(r.provider_transaction_id, r.date))
    .sort((a, b) => a.id - b.id);
  const goneDeleted = (input.deletedPending ?? []).filter((d) =>
    notListed(d.provider_transaction_id, d.date),
  );
  const candidates: Candidate[] = [
    ...gone.map((r) => ({ ...r, deleted: false })),
    ...goneDeleted.map((d) => ({ ...d, id: d.transaction_id, deleted: true })),
  ];

  const pairs: {
    pending: Candidate;
    posted: ProviderTransactionData;
    distance: number;
    similarity: number;
  }[] = [];
  for (const pending of candidates) {
    for (const posted of newPosted) {
      if (posted.amount !== pending.amount_minor) continue;
      const distance = Math.abs(daysBetween(pending.date, posted.date));
      if (distance > options.pendingMatchDays) continue;
      const similarity = descriptionSimilarity(
        pending.description ?? pending.merchant,
        posted.description ?? posted.merchant,
      );
      if (similarity < MIN_MERGE_SIMILARITY) continue;
      pairs.push({ pending, posted, distance, similarity });
    }
  }
  // Ambiguity is settled the same way every time: closest date, most similar text, a ledger row
  // before a deleted one, then ids.
  pairs.sort(
    (a, b) =>
      a.distance - b.distance ||
      b.similarity - a.similarity ||
      Number(a.pending.deleted) - Number(b.pending.deleted) ||
      byString(a.posted.transactionId, b.posted.transactionId) ||
      a.pending.id - b.pending.id ||
      byString(a.pending.provider_transaction_id, b.pending.provider_transaction_id),
  );
  const mergedPending = new Set<number>();
  const mergedDeleted = new Set<string>();
  const mergedPosted = new Set<string>();
  for (const p of pairs) {
    const pendingId = p.pending.provider_transaction_id;
    if (mergedPosted.has(p.posted.transactionId)) continue;
    if (p.pending.deleted ? mergedDeleted.has(pendingId) : mergedPending.has(p.pending.id)) continue;
    if (p.pending.deleted) {
      mergedDeleted.add(pendingId);
      mergedPosted.add(p.posted.transactionId);
      if (options.includeDeleted) {
        // Asked to bring deleted rows back: the posted one is created and says what it replaced.
        restoredPending.set(p.posted.transactionId, pendingId);
        restoring.add(p.posted.transactionId);
        continue;
      }
      plan.ignored.push({ providerTransactionId: p.posted.transactionId, reason: 'deleted_by_user' });
      plan.deletedSuccessors.push({
        pendingId,
        postedId: p.posted.transactionId,
        fields: fieldsOf(p.posted),
        dateDistance: p.distance,
        similarity: p.similarity,
      });
      continue;
    }
    mergedPending.add(p.pending.id);
    mergedPosted.add(p.posted.transactionId);
    plan.merges.push({
      ledgerId: p.pending.id,
      pendingId,
      postedId: p.posted.transactionId,
      fields: fieldsOf(p.posted),
      dateDistance: p.distance,
      similarity: p.similarity,
    });
  }
  plan.merges.sort((a, b) => a.ledgerId - b.ledgerId);
  plan.deletedSuccessors.sort((a, b) => byString(a.postedId, b.postedId));

  for (const tx of [...newPosted, ...newPending].sort((a, b) => byString(a.transactionId, b.transactionId))) {
    if (mergedPosted.has(tx.transactionId) && !restoredPending.has(tx.transactionId)) continue;
    plan.inserts.push({
      providerTransactionId: tx.transactionId,
      fields: fieldsOf(tx),
      restoresDeleted: restoring.has(tx.transactionId),
      replacedPendingId: restoredPending.get(tx.transactionId) ?? null,
    });
  }

  for (const pending of gone) {
    if (mergedPending.has(pending.id)) continue;
    if (daysBetween(pending.last_seen_date, options.today) >= options.pendingGraceDays) {
      plan.vanishings.push({ ledgerId: pending.id, providerTransactionId: pending.provider_transaction_id });
    }
  }
  return plan;
}

export interface PlanCounts {
  new: number;
  updated: number;
  merged: number;
  vanished: number;
}

export const planCounts = (p: SyncPlan): PlanCounts => ({
  new: p.inserts.length,
  updated: p.updates.length,
  merged: p.merges.length,
  vanished: p.vanishings.length,
});

/**
 * Which ledger rows the planner must see for a window (apply.ts loads exactly these with indexed
 * queries, never the account's whole history): rows dated from PENDING_MATCH_DAYS before the window
 * to its end, every pending row (older ones may have vanished or found their posted row), and rows
 * whose current or replaced-pending TransactionID is in the payload (the bank may have moved a date
 * far).
 */
export function ledgerRowNeeded(
  row: Pick<LedgerRow, 'date' | 'status' | 'provider_transaction_id' | 'replaced_pending_id'>,
  window: { from: CalendarDate; to: CalendarDate },
  matchDays: number,
  fetched: { ids: ReadonlySet<string>; pendingIds: ReadonlySet<string> },
): boolean {
  return (
    (row.date >= addDays(window.from, -matchDays) && row.date <= window.to) ||
    row.status === 'pending' ||
    fetched.ids.has(row.provider_transaction_id) ||
    (row.replaced_pending_id !== null && fetched.pendingIds.has(row.replaced_pending_id))
  );
}

/**
 * Which deleted pending rows the planner must see (apply.ts loads them by an index): those whose
 * posted successor could be in this window. Ones already matched to a successor are not needed.
 */
export function deletedPendingNeeded(
  row: Pick<DeletedPendingRow, 'date'>,
  window: { from: CalendarDate; to: CalendarDate },
  matchDays: number,
): boolean {
  return row.date >= addDays(window.from, -matchDays) && row.date <= window.to;
}

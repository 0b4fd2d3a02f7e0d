/**
 * Reads of ledger transactions for pages and exports, the user's delete (a tombstone, so a later
 * sync does not bring the row back), and the change sequence the sync engine and destinations use.
 * Transactions belong to accounts; every query joins accounts to scope by family.
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { LedgerTransactionStatus, TombstonesTable, TransactionsTable } from './schema.js';
import { inTransaction, nowIso, type Db } from './util.js';

export type LedgerTransaction = Selectable<TransactionsTable>;
export type Tombstone = Selectable<TombstonesTable>;

export interface TransactionListItem extends LedgerTransaction {
  account_name: string;
}

export interface TransactionFilter {
  accountId?: string;
  accountIds?: string[];
  /** Inclusive calendar dates on `date`. */
  from?: string;
  to?: string;
  status?: LedgerTransactionStatus | LedgerTransactionStatus[];
  /** Case-insensitive text in description, merchant, memo, category or check number. */
  search?: string;
  /** Default 100, at most 10 000 (exports page through). */
  limit?: number;
  offset?: number;
  /** Default newest first. */
  order?: 'date_desc' | 'date_asc';
  /**
   * Keyset paging: rows after this one in the chosen order (the `next` of the previous page).
   * Unlike a large offset it costs the same on every page.
   */
  after?: TransactionCursor;
  /** Default true; counting every match costs a scan, which a "next page" link does not need. */
  withTotal?: boolean;
}

export interface TransactionPage<F extends TransactionFilter = TransactionFilter> {
  rows: TransactionListItem[];
  total: F['withTotal'] extends false ? null : number;
  /** Pass as `after` for the next page; null on the last page. */
  next: TransactionCursor | null;
}

export interface TransactionCursor {
  date: string;
  id: number;
}

/**
 * Takes the next value of the global change sequence. Call it inside the transaction that writes
 * the changed row, so a sequence number is never visible before its row.
 */
export async function nextChangeSeq(db: Db): Promise<number> {
  return reserveChangeSeqs(db, 1);
}

/**
 * Reserves `n` consecutive change sequence numbers; returns the first. One counter row, updated in
 * the writing transaction, not a PostgreSQL sequence: the row stays locked until commit, so change
 * sequences become visible in order and a destination reading "after N" never skips a row that
 * commits later with a smaller number.
 */
export async function reserveChangeSeqs(db: Db, n: number): Promise<number> {
  const row = await db
    .updateTable('change_counter')
    .set((eb) => ({ value: eb('value', '+', n) }))
    .where('id', '=', 1)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - n + 1;
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
const likeText = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const emptyPage = <F extends TransactionFilter>(filter: F) =>
  ({ rows: [], total: filter.withTotal === false ? null : 0, next: null }) as unknown as TransactionPage<F>;

export function transactionsRepository(db: Db) {
  const scoped = (familyId: string) =>
    db
      .selectFrom('transactions')
      .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
      .where('accounts.family_id', '=', familyId);

  return {
    /** `total` is null only when the filter says `withTotal: false`. */
    async listTransactions<F extends TransactionFilter>(
      familyId: string,
      filter: F = {} as F,
    ): Promise<TransactionPage<F>> {
      let q = scoped(familyId);
      if (filter.accountId) q = q.where('transactions.account_id', '=', filter.accountId);
      if (filter.accountIds) {
        if (filter.accountIds.length === 0) return emptyPage(filter);
        q = q.where('transactions.account_id', 'in', filter.accountIds);
      }
      if (filter.from) q = q.where('transactions.date', '>=', filter.from);
      if (filter.to) q = q.where('transactions.date', '<=', filter.to);
      if (filter.status) {
        const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
        if (statuses.length === 0) return emptyPage(filter);
        q = q.where('transactions.status', 'in', statuses);
      }
      const search = filter.search?.trim();
      if (search) {
        const pattern = likeText(search);
        q = q.where((eb) =>
          eb.or(
            (
              [
                'transactions.description',
                'transactions.merchant',
                'transactions.memo',
                'transactions.category',
                'transactions.check_number',
              ] as const
            ).map((col) => sql<boolean>`lower(${sql.ref(col)}) like lower(${pattern}) escape '\\'`),
          ),
        );
      }
      const countRow =
        filter.withTotal === false
          ? null
          : await q
              .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
              .executeTakeFirstOrThrow();
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000);
      const asc = filter.order === 'date_asc';
      const dir = asc ? 'asc' : 'desc';
      let page = q;
      if (filter.after) {
        const { date, id } = filter.after;
        const cmp = asc ? '>' : '<';
        page = page.where((eb) =>
          eb.or([
            eb('transactions.date', cmp, date),
            eb.and([eb('transactions.date', '=', date), eb('transactions.id', cmp, id)]),
          ]),
        );
      }
      const rows = await page
        .selectAll('transactions')
        .select('accounts.name as account_name')
        .orderBy('transactions.date', dir)
        .orderBy('transactions.id', dir)
        .limit(limit)
        .offset(Math.max(filter.offset ?? 0, 0))
        .execute();
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return {
        rows,
        total: countRow ? Number(countRow.n) : null,
        next: last ? { date: last.date, id: last.id } : null,
      } as TransactionPage<F>;
    },

    async getTransaction(familyId: string, transactionId: number): Promise<LedgerTransaction | undefined> {
      return scoped(familyId)
        .selectAll('transactions')
        .where('transactions.id', '=', transactionId)
        .executeTakeFirst();
    },

    /**
     * Deletes a transaction the user does not want and leaves a tombstone, so the next sync does
     * not re-create it. The tombstone keeps the row's facts: a deleted pending row is recognised
     * when it posts under a new TransactionID (sync/plan.ts), and a deleted merged row also blocks
     * the pending id it had replaced, which the bank may still list. Returns false when it is not
     * the family's.
     */
    async deleteTransaction(
      familyId: string,
      transactionId: number,
      deletedBy: string | null = null,
    ): Promise<boolean> {
      return inTransaction(db, async (trx) => {
        const tx = await trx
          .selectFrom('transactions')
          .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
          .select([
            'transactions.id',
            'transactions.account_id',
            'transactions.provider_transaction_id',
            'transactions.replaced_pending_id',
            'transactions.status',
            'transactions.amount_minor',
            'transactions.date',
            'transactions.description',
            'transactions.merchant',
          ])
          .where('accounts.family_id', '=', familyId)
          .where('transactions.id', '=', transactionId)
          .executeTakeFirst();
        if (!tx) return false;
        const common = {
          deleted_at: nowIso(),
          deleted_by: deletedBy,
          transaction_id: tx.id,
          change_seq: await nextChangeSeq(trx),
          amount_minor: tx.amount_minor,
          date: tx.date,
          description: tx.description,
          merchant: tx.merchant,
        };
        const stones: Insertable<TombstonesTable>[] = [
          {
            ...common,
            account_id: tx.account_id,
            provider_transaction_id: tx.provider_transaction_id,
            origin: 'deleted',
            status: tx.status,
            replaced_pending_id: tx.replaced_pending_id,
            successor_id: null,
          },
        ];
        if (tx.replaced_pending_id) {
          // Already replaced by its posted row: it blocks its id and waits for no successor.
          stones.push({
            ...common,
            account_id: tx.account_id,
            provider_transaction_id: tx.replaced_pending_id,
            origin: 'pending_copy',
            status: 'pending',
            replaced_pending_id: null,
            successor_id: tx.provider_transaction_id,
          });
        }
        for (const stone of stones) {
          const { account_id: _a, provider_transaction_id: _p, ...rest } = stone;
          await trx
            .insertInto('tombstones')
            .values(stone)
            .onConflict((oc) => oc.columns(['account_id', 'provider_transaction_id']).doUpdateSet(rest))
            .execute();
        }
        await trx.deleteFrom('transactions').where('id', '=', tx.id).execute();
        return true;
      });
    },

    /** Sophtron TransactionIDs the user deleted in this account (a sync skips them). */
    async tombstonedIds(familyId: string, accountId: string): Promise<Set<string>> {
      const rows = await db
        .selectFrom('tombstones')
        .innerJoin('accounts', 'accounts.id', 'tombstones.account_id')
        .select('tombstones.provider_transaction_id')
        .where('accounts.family_id', '=', familyId)
        .where('tombstones.account_id', '=', accountId)
        .execute();
      return new Set(rows.map((r) => r.provider_transaction_id));
    },

    async listTombstones(
      familyId: string,
      options: { accountId?: string; afterSeq?: number; limit?: number } = {},
    ): Promise<Tombstone[]> {
      let q = db
        .selectFrom('tombstones')
        .innerJoin('accounts', 'accounts.id', 'tombstones.account_id')
        .selectAll('tombstones')
        .where('accounts.family_id', '=', familyId);
      if (options.accountId) q = q.where('tombstones.account_id', '=', options.accountId);
      if (options.afterSeq !== undefined) q = q.where('tombstones.change_seq', '>', options.afterSeq);
      return q
        .orderBy('tombstones.change_seq')
        .orderBy('tombstones.deleted_at')
        .limit(options.limit ?? 10_000)
        .execute();
    },

    /** "Unless asked": removes a tombstone so the next sync may bring the transaction back. */
    async removeTombstone(
      familyId: string,
      accountId: string,
      providerTransactionId: string,
    ): Promise<boolean> {
      const owned = await db
        .selectFrom('accounts')
        .select('id')
        .where('family_id', '=', familyId)
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!owned) return false;
      const stone = await db
        .selectFrom('tombstones')
        .select('transaction_id')
        .where('account_id', '=', accountId)
        .where('provider_transaction_id', '=', providerTransactionId)
        .executeTakeFirst();
      if (!stone) return false;
      // The ids one deletion blocks (its pending copy, its posted successor) go together.
      await db
        .deleteFrom('tombstones')
        .where('account_id', '=', accountId)
        .where((eb) =>
          stone.transaction_id === null
            ? eb('provider_transaction_id', '=', providerTransactionId)
            : eb.or([
                eb('provider_transaction_id', '=', providerTransactionId),
                eb('transaction_id', '=', stone.transaction_id),
              ]),
        )
        .execute();
      return true;
    },

    /** Transactions changed after `afterSeq`, in change order: what a destination delivers next. */
    async listChangedSince(
      familyId: string,
      afterSeq: number,
      options: { accountIds?: string[]; limit?: number } = {},
    ): Promise<LedgerTransaction[]> {
      let q = scoped(familyId).selectAll('transactions').where('transactions.change_seq', '>', afterSeq);
      if (options.accountIds) {
        if (options.accountIds.length === 0) return [];
        q = q.where('transactions.account_id', 'in', options.accountIds);
      }
      return q
        .orderBy('transactions.change_seq')
        .limit(options.limit ?? 1000)
        .execute();
    },

    async countTransactions(familyId: string, accountId?: string): Promise<number> {
      let q = scoped(familyId);
      if (accountId) q = q.where('transactions.account_id', '=', accountId);
      const row = await q
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

// Long because: the Firefly delivery's read model and journal: candidates, removals, transfer partners and batched delivery records are queried over the same joined rows and scoped the same way.
/**
 * Read model and journal of the Firefly III delivery (src/destinations/firefly): the accounts a
 * delivery covers, the ledger rows it must send (new, changed, or left unresolved by an earlier
 * run), the delivered rows whose ledger row was deleted, the other side of a transfer, and the
 * delivery records written in batches. Every query is scoped by the family.
 */
import type { Selectable } from 'kysely';
import { ACCOUNT_COLUMNS } from './account-views.js';
import { balancesRepository } from './balances.js';
import type {
  AccountKind,
  BalanceRule,
  FireflyAccountsTable,
  FireflyTransactionsTable,
  TransactionsTable,
} from './schema.js';
import { inTransaction, nowIso, type Db } from './util.js';

export type FireflyAccountRow = Selectable<FireflyAccountsTable>;
export type FireflyTransactionRow = Selectable<FireflyTransactionsTable>;
/** A ledger account → Firefly III account link as written (the balance check's columns are its own). */
export type FireflyAccountLink = Omit<
  FireflyAccountRow,
  'updated_at' | 'checked_at' | 'checked_firefly_minor' | 'checked_bank_minor'
>;
/** A delivery record as written (updated_at is the time of the write). */
export type DeliveryRecord = Omit<FireflyTransactionRow, 'updated_at'>;

/** A ledger account as a delivery needs it: its bank, its latest balance. */
export interface DeliverableAccount {
  id: string;
  name: string;
  kind: AccountKind;
  currency: string;
  balance_rule: BalanceRule;
  sophtron_account_id: string | null;
  provider_type: string | null;
  number_mask: string | null;
  /** Latest balance snapshot's current balance, as the ledger shows it. */
  bank_current_minor: number | null;
  /** The balance as Sophtron last reported it (before the account's balance rule). */
  bank_raw_minor: number | null;
  bank_taken_at: string | null;
}

/** The ledger columns a delivery converts (a transactions row has them all). */
export type DeliveryLedgerRow = Pick<
  Selectable<TransactionsTable>,
  | 'id'
  | 'account_id'
  | 'provider_transaction_id'
  | 'status'
  | 'amount_minor'
  | 'currency'
  | 'date'
  | 'transaction_date'
  | 'post_date'
  | 'description'
  | 'merchant'
  | 'category'
  | 'memo'
  | 'check_number'
  | 'change_seq'
>;

/** A ledger row to deliver, with its delivery record (null: never delivered). */
export type DeliveryCandidate = DeliveryLedgerRow & { f: FireflyTransactionRow | null };

/** A ledger row that may be the other side of a transfer, with its delivery state. */
export type TransferSideRow = Selectable<TransactionsTable> & {
  partner_state: FireflyTransactionRow['state'] | null;
};

/** One write of the delivery journal: a record, or forgetting a transaction's record. */
export type DeliveryWrite = { row: DeliveryRecord } | { forget: number };

export interface CandidateFilter {
  /** Deliver again what the user deleted in Firefly. */
  recreateDeleted: boolean;
  /** Inclusive calendar dates on `date`. */
  from: string | null;
  to: string | null;
}

export function fireflyDeliveryRepository(db: Db) {
  return {
    /** The family's accounts of `accountIds`, or every linked one, oldest first. */
    async deliverableAccounts(familyId: string, accountIds?: string[]): Promise<DeliverableAccount[]> {
      if (accountIds?.length === 0) return [];
      let q = db
        .selectFrom('accounts')
        .leftJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
        .select([
          ...ACCOUNT_COLUMNS,
          'provider_accounts.sophtron_account_id',
          'provider_accounts.type as provider_type',
          'provider_accounts.number_mask',
          'provider_accounts.balance_minor as raw_balance',
        ])
        .where('accounts.family_id', '=', familyId);
      q = accountIds
        ? q.where('accounts.id', 'in', accountIds)
        : q.where('accounts.provider_account_id', 'is not', null);
      const rows = await q.orderBy('accounts.created_at').orderBy('accounts.id').execute();
      if (rows.length === 0) return [];
      const balances = await balancesRepository(db).latestBalances(familyId);
      return rows.map(({ raw_balance, ...r }) => {
        const snap = balances.get(r.id);
        return {
          ...r,
          bank_raw_minor: raw_balance ?? null,
          sophtron_account_id: r.sophtron_account_id ?? null,
          provider_type: r.provider_type ?? null,
          number_mask: r.number_mask ?? null,
          bank_current_minor: snap?.current_minor ?? null,
          bank_taken_at: snap?.taken_at ?? null,
        };
      });
    },

    /** Ledger account → its Firefly III account, for the family's accounts that have one. */
    async fireflyAccountLinks(familyId: string): Promise<Map<string, FireflyAccountRow>> {
      const rows = await db
        .selectFrom('firefly_accounts')
        .selectAll()
        .where('family_id', '=', familyId)
        .execute();
      return new Map(rows.map((r) => [r.account_id, r]));
    },

    /** Ledger account → Sophtron's account id (null for an unlinked account), every account of the family. */
    async sophtronAccountIds(familyId: string): Promise<Map<string, string | null>> {
      const rows = await db
        .selectFrom('accounts')
        .leftJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
        .select(['accounts.id', 'provider_accounts.sophtron_account_id'])
        .where('accounts.family_id', '=', familyId)
        .execute();
      return new Map(rows.map((r) => [r.id, r.sophtron_account_id]));
    },

    /**
     * The rows of `accountIds` a delivery must look at, oldest first: never delivered, left
     * 'sending' or 'failed' (or deleted in Firefly, when re-creating), or changed since delivered.
     */
    async deliveryCandidates(
      familyId: string,
      accountIds: string[],
      filter: CandidateFilter,
    ): Promise<DeliveryCandidate[]> {
      if (accountIds.length === 0) return [];
      const retried = filter.recreateDeleted
        ? (['sending', 'failed', 'deleted_in_firefly'] as const)
        : (['sending', 'failed'] as const);
      let q = db
        .selectFrom('transactions as t')
        .innerJoin('accounts as a', 'a.id', 't.account_id')
        .leftJoin('firefly_transactions as f', (join) =>
          join.onRef('f.transaction_id', '=', 't.id').on('f.family_id', '=', familyId),
        )
        .select(CANDIDATE_COLUMNS)
        .where('a.family_id', '=', familyId)
        .where('t.account_id', 'in', accountIds)
        .where((eb) =>
          eb.or([
            eb('f.transaction_id', 'is', null),
            eb('f.state', 'in', [...retried]),
            eb.and([
              eb('f.state', 'in', ['delivered', 'skipped', 'paired', 'removed']),
              eb('t.change_seq', '>', eb.ref('f.delivered_seq')),
            ]),
          ]),
        );
      if (filter.from) q = q.where('t.date', '>=', filter.from);
      if (filter.to) q = q.where('t.date', '<=', filter.to);
      const rows = await q.orderBy('t.date').orderBy('t.id').execute();
      return rows.map((r) => candidateFrom(familyId, r));
    },

    /** Delivered transactions whose ledger row the user deleted (a tombstone): to delete in Firefly. */
    async deliveryRemovals(familyId: string, accountIds: string[]): Promise<FireflyTransactionRow[]> {
      if (accountIds.length === 0) return [];
      return db
        .selectFrom('firefly_transactions as f')
        .leftJoin('transactions as t', 't.id', 'f.transaction_id')
        .selectAll('f')
        .where('f.family_id', '=', familyId)
        .where('f.account_id', 'in', accountIds)
        .where('f.state', '=', 'delivered')
        .where('f.firefly_group_id', 'is not', null)
        .where('t.id', 'is', null)
        .execute();
    },

    /** Rows of `accountId` that may be the other side of a transfer: that amount, dated in [from, to]. */
    async transferSides(
      familyId: string,
      accountId: string,
      amountMinor: number,
      window: { from: string; to: string },
    ): Promise<TransferSideRow[]> {
      return db
        .selectFrom('transactions as t')
        .innerJoin('accounts as a', 'a.id', 't.account_id')
        .leftJoin('firefly_transactions as f', (join) =>
          join.onRef('f.transaction_id', '=', 't.id').on('f.family_id', '=', familyId),
        )
        .selectAll('t')
        .select('f.state as partner_state')
        .where('a.family_id', '=', familyId)
        .where('t.account_id', '=', accountId)
        .where('t.amount_minor', '=', amountMinor)
        .where('t.date', '>=', window.from)
        .where('t.date', '<=', window.to)
        .where('t.status', '!=', 'vanished')
        .execute();
    },

    /** The rows delivered with (paired with) any of `ids`: who claimed each as its transfer's other side. */
    async pairedWith(
      familyId: string,
      ids: number[],
    ): Promise<{ transaction_id: number; paired_with: number }[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('firefly_transactions')
        .select(['transaction_id', 'paired_with'])
        .where('family_id', '=', familyId)
        .where('state', '=', 'paired')
        .where('paired_with', 'in', ids)
        .execute();
      return rows.map((r) => ({ transaction_id: r.transaction_id, paired_with: r.paired_with! }));
    },

    /** Writes one delivery record at once (an intent that must be stored before its request). */
    async writeDelivery(familyId: string, row: DeliveryRecord): Promise<void> {
      await writeDeliveryRow(db, familyId, row);
    },

    /** Records (or updates) the family's ledger account → Firefly III account (a row of another family is refused). */
    async upsertFireflyAccount(familyId: string, row: FireflyAccountLink): Promise<void> {
      if (row.family_id !== familyId)
        throw new Error(`a Firefly account link of another family (${row.family_id})`);
      const values = { ...row, updated_at: nowIso() };
      await db
        .insertInto('firefly_accounts')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['family_id', 'account_id']).doUpdateSet({
            state: values.state,
            firefly_account_id: values.firefly_account_id,
            firefly_name: values.firefly_name,
            firefly_type: values.firefly_type,
            created_by_us: values.created_by_us,
            opening_balance_minor: values.opening_balance_minor,
            opening_balance_date: values.opening_balance_date,
            updated_at: values.updated_at,
          }),
        )
        .execute();
    },

    /** What the last balance check of an account found: Firefly's balance and the bank's it was held to. */
    async recordBalanceCheck(
      familyId: string,
      accountId: string,
      fireflyMinor: number,
      bankMinor: number | null,
    ): Promise<void> {
      await db
        .updateTable('firefly_accounts')
        .set({ checked_at: nowIso(), checked_firefly_minor: fireflyMinor, checked_bank_minor: bankMinor })
        .where('family_id', '=', familyId)
        .where('account_id', '=', accountId)
        .execute();
    },

    /** The sum of an account's pending transactions delivered (tagged) into Firefly III; 0 when none. */
    async deliveredPendingSum(familyId: string, accountId: string): Promise<number> {
      const row = await db
        .selectFrom('firefly_transactions')
        .select((eb) => eb.fn.sum<number>('delivered_amount_minor').as('sum'))
        .where('family_id', '=', familyId)
        .where('account_id', '=', accountId)
        .where('state', '=', 'delivered')
        .where('delivered_pending', '=', 1)
        .executeTakeFirst();
      return Number(row?.sum ?? 0);
    },

    /** Writes a batch of the journal in one database transaction (all of it or none). */
    async writeDeliveries(familyId: string, writes: DeliveryWrite[]): Promise<void> {
      if (writes.length === 0) return;
      await inTransaction(db, async (trx) => {
        for (const w of writes) {
          if ('row' in w) await writeDeliveryRow(trx, familyId, w.row);
          else
            await trx
              .deleteFrom('firefly_transactions')
              .where('family_id', '=', familyId)
              .where('transaction_id', '=', w.forget)
              .execute();
        }
      });
    },
  };
}

export type FireflyDeliveryRepository = ReturnType<typeof fireflyDeliveryRepository>;

const CANDIDATE_COLUMNS = [
  't.id',
  't.account_id',
  't.provider_transaction_id',
  't.status',
  't.amount_minor',
  't.currency',
  't.date',
  't.transaction_date',
  't.post_date',
  't.description',
  't.merchant',
  't.category',
  't.memo',
  't.check_number',
  't.change_seq',
  'f.transaction_id as f_transaction_id',
  'f.state as f_state',
  'f.external_id as f_external_id',
  'f.firefly_group_id as f_group',
  'f.firefly_journal_id as f_journal',
  'f.delivered_seq as f_seq',
  'f.delivered_pending as f_pending',
  'f.delivered_amount_minor as f_amount',
  'f.content_hash as f_hash',
  'f.note as f_note',
  'f.sent_fields as f_sent',
  'f.paired_with as f_paired_with',
  'f.updated_at as f_updated',
] as const;

type CandidateSelect = DeliveryLedgerRow & {
  f_transaction_id: number | null;
  f_state: FireflyTransactionRow['state'] | null;
  f_external_id: string | null;
  f_group: string | null;
  f_journal: string | null;
  f_seq: number | null;
  f_pending: number | null;
  f_amount: number | null;
  f_hash: string | null;
  f_note: string | null;
  f_sent: string | null;
  f_paired_with: number | null;
  f_updated: string | null;
};

function candidateFrom(familyId: string, r: CandidateSelect): DeliveryCandidate {
  const {
    f_transaction_id,
    f_state,
    f_external_id,
    f_group,
    f_journal,
    f_seq,
    f_pending,
    f_amount,
    f_hash,
    f_note,
    f_sent,
    f_paired_with,
    f_updated,
    ...row
  } = r;
  return {
    ...row,
    f:
      f_transaction_id === null
        ? null
        : {
            family_id: familyId,
            transaction_id: f_transaction_id,
            account_id: r.account_id,
            state: f_state!,
            external_id: f_external_id!,
            firefly_group_id: f_group,
            firefly_journal_id: f_journal,
            delivered_seq: f_seq!,
            delivered_pending: f_pending!,
            delivered_amount_minor: f_amount,
            content_hash: f_hash,
            note: f_note,
            sent_fields: f_sent,
            paired_with: f_paired_with,
            updated_at: f_updated!,
          },
  };
}

/** Upserts one delivery record of the family (a record of another family's id is refused). */
export async function writeDeliveryRow(db: Db, familyId: string, row: DeliveryRecord): Promise<void> {
  if (row.family_id !== familyId) throw new Error(`a delivery record of another family (${row.family_id})`);
  const values = { ...row, updated_at: nowIso() };
  await db
    .insertInto('firefly_transactions')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['family_id', 'transaction_id']).doUpdateSet({
        account_id: values.account_id,
        state: values.state,
        external_id: values.external_id,
        firefly_group_id: values.firefly_group_id,
        firefly_journal_id: values.firefly_journal_id,
        delivered_seq: values.delivered_seq,
        delivered_pending: values.delivered_pending,
        delivered_amount_minor: values.delivered_amount_minor,
        content_hash: values.content_hash,
        note: values.note,
        sent_fields: values.sent_fields,
        paired_with: values.paired_with,
        updated_at: values.updated_at,
      }),
    )
    .execute();
}

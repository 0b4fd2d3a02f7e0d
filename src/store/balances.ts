/** Balance snapshots: an account's current and available balance at a time, as the ledger shows it. */
import type { Selectable } from 'kysely';
import type { BalanceSnapshotsTable } from './schema.js';
import { nowIso, type Db } from './util.js';

export type BalanceSnapshot = Selectable<BalanceSnapshotsTable>;

export interface BalanceInput {
  /** Already through the account's balance rule (see applyBalanceRule). */
  currentMinor: number | null;
  availableMinor: number | null;
  /** Default: the account's currency. */
  currency?: string;
  takenAt?: string;
}

export function balancesRepository(db: Db) {
  return {
    /** Returns undefined (and stores nothing) when the account is not the family's. */
    async recordBalance(
      familyId: string,
      accountId: string,
      input: BalanceInput,
    ): Promise<BalanceSnapshot | undefined> {
      const account = await db
        .selectFrom('accounts')
        .select(['id', 'currency'])
        .where('family_id', '=', familyId)
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!account) return undefined;
      for (const [field, v] of [
        ['currentMinor', input.currentMinor],
        ['availableMinor', input.availableMinor],
      ] as const) {
        if (v !== null && !Number.isSafeInteger(v)) throw new Error(`${field}: must be integer minor units`);
      }
      const row = {
        account_id: accountId,
        taken_at: input.takenAt ?? nowIso(),
        current_minor: input.currentMinor,
        available_minor: input.availableMinor,
        currency: input.currency ?? account.currency,
      };
      const { id } = await db
        .insertInto('balance_snapshots')
        .values(row)
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: Number(id), ...row };
    },

    async latestBalance(familyId: string, accountId: string): Promise<BalanceSnapshot | undefined> {
      return db
        .selectFrom('balance_snapshots')
        .innerJoin('accounts', 'accounts.id', 'balance_snapshots.account_id')
        .selectAll('balance_snapshots')
        .where('accounts.family_id', '=', familyId)
        .where('balance_snapshots.account_id', '=', accountId)
        .orderBy('balance_snapshots.taken_at', 'desc')
        .orderBy('balance_snapshots.id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** The newest snapshot of each of the family's accounts, by account id. */
    async latestBalances(familyId: string): Promise<Map<string, BalanceSnapshot>> {
      const rows = await db
        .selectFrom('balance_snapshots')
        .innerJoin('accounts', 'accounts.id', 'balance_snapshots.account_id')
        .selectAll('balance_snapshots')
        .where('accounts.family_id', '=', familyId)
        .where(({ eb, selectFrom }) =>
          eb(
            'balance_snapshots.id',
            '=',
            selectFrom('balance_snapshots as b2')
              .select('b2.id')
              .whereRef('b2.account_id', '=', 'balance_snapshots.account_id')
              .orderBy('b2.taken_at', 'desc')
              .orderBy('b2.id', 'desc')
              .limit(1),
          ),
        )
        .execute();
      return new Map(rows.map((r) => [r.account_id, r]));
    },

    /**
     * The net of an account's posted transactions per day up to `through` (inclusive), oldest
     * first: what a balance history is derived from before the first snapshot.
     */
    async dailyPostedTotals(
      familyId: string,
      accountId: string,
      through: string,
    ): Promise<{ date: string; netMinor: number }[]> {
      const rows = await db
        .selectFrom('transactions')
        .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
        .select(({ fn }) => [
          'transactions.date as date',
          fn.sum<number | string>('transactions.amount_minor').as('net'),
        ])
        .where('accounts.family_id', '=', familyId)
        .where('transactions.account_id', '=', accountId)
        .where('transactions.status', '=', 'posted')
        .where('transactions.date', '<=', through)
        .groupBy('transactions.date')
        .orderBy('transactions.date')
        .execute();
      return rows.map((r) => ({ date: r.date, netMinor: Number(r.net) }));
    },

    /** Oldest first, for a balance history chart. */
    async listBalances(
      familyId: string,
      accountId: string,
      options: { from?: string; to?: string; limit?: number } = {},
    ): Promise<BalanceSnapshot[]> {
      let q = db
        .selectFrom('balance_snapshots')
        .innerJoin('accounts', 'accounts.id', 'balance_snapshots.account_id')
        .selectAll('balance_snapshots')
        .where('accounts.family_id', '=', familyId)
        .where('balance_snapshots.account_id', '=', accountId);
      if (options.from) q = q.where('balance_snapshots.taken_at', '>=', options.from);
      if (options.to) q = q.where('balance_snapshots.taken_at', '<=', options.to);
      return q
        .orderBy('balance_snapshots.taken_at')
        .orderBy('balance_snapshots.id')
        .limit(options.limit ?? 10_000)
        .execute();
    },
  };
}

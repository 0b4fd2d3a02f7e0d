/**
 * Read model of file exports: a family's accounts with where they come from and their latest
 * balance, and their transactions by date range and change sequence; and the cursors of the
 * scheduled file destination (how far each format and folder has been written).
 */
import type { Selectable } from 'kysely';
import { ACCOUNT_COLUMNS, accountsWithSource } from './account-views.js';
import { balancesRepository } from './balances.js';
import type { TransactionsTable } from './schema.js';
import type { Db } from './util.js';

export interface ExportRowsFilter {
  from?: string;
  to?: string;
  afterChangeSeq?: number;
  excludeVanished?: boolean;
}

export function exportsRepository(db: Db) {
  return {
    /** The family's accounts (all, or those of `accountIds`) by name, with bank and latest balance. */
    async exportAccounts(familyId: string, accountIds: string[] = []) {
      let q = accountsWithSource(db, familyId)
        .select([
          ...ACCOUNT_COLUMNS,
          'connections.institution_name',
          'provider_accounts.number_mask',
          'provider_accounts.sub_type',
        ])
        .orderBy('accounts.name')
        .orderBy('accounts.id');
      if (accountIds.length > 0) q = q.where('accounts.id', 'in', accountIds);
      const rows = await q.execute();
      const balances = await balancesRepository(db).latestBalances(familyId);
      return rows.map((a) => ({ ...a, balance: balances.get(a.id) ?? null }));
    },

    /** Transactions of the family's accounts in `accountIds`, by account, date and id. */
    async exportTransactions(
      familyId: string,
      accountIds: string[],
      filter: ExportRowsFilter,
    ): Promise<Selectable<TransactionsTable>[]> {
      if (accountIds.length === 0) return [];
      let q = db
        .selectFrom('transactions')
        .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
        .selectAll('transactions')
        .where('accounts.family_id', '=', familyId)
        .where('transactions.account_id', 'in', accountIds)
        .orderBy('transactions.account_id')
        .orderBy('transactions.date')
        .orderBy('transactions.id');
      if (filter.from) q = q.where('transactions.date', '>=', filter.from);
      if (filter.to) q = q.where('transactions.date', '<=', filter.to);
      if (filter.afterChangeSeq !== undefined)
        q = q.where('transactions.change_seq', '>', filter.afterChangeSeq);
      if (filter.excludeVanished ?? true) q = q.where('transactions.status', '!=', 'vanished');
      return q.execute();
    },

    /** A file destination's cursor (`key`: format and folder): the change_seq delivered so far, 0 at first. */
    async exportCursor(familyId: string, key: string): Promise<number> {
      const row = await db
        .selectFrom('export_cursors')
        .select('change_seq')
        .where('family_id', '=', familyId)
        .where('destination', '=', key)
        .executeTakeFirst();
      return row?.change_seq ?? 0;
    },

    async saveExportCursor(familyId: string, key: string, seq: number, now: Date): Promise<void> {
      await db
        .insertInto('export_cursors')
        .values({ family_id: familyId, destination: key, change_seq: seq, updated_at: now.toISOString() })
        .onConflict((oc) =>
          oc
            .columns(['family_id', 'destination'])
            .doUpdateSet({ change_seq: seq, updated_at: now.toISOString() }),
        )
        .execute();
    },
  };
}

/**
 * Read models over accounts: the ledger account with where it comes from (provider account and
 * bank login), written once here for every page, API answer and sync that needs it.
 */
import { balancesRepository } from './balances.js';
import type { Db } from './util.js';

/**
 * What an account is, as the reads that hand accounts on (Firefly delivery, exports, SimpleFIN)
 * select it: one list, so a column that becomes part of an account reaches them all.
 */
export const ACCOUNT_COLUMNS = [
  'accounts.id',
  'accounts.name',
  'accounts.kind',
  'accounts.currency',
  'accounts.balance_rule',
] as const;

/**
 * accounts ⟕ provider_accounts ⟕ connections of one family. Unlinked accounts keep null source
 * columns; add `.where('provider_accounts.id', 'is not', null)` for linked ones only.
 */
export function accountsWithSource(db: Db, familyId: string) {
  return db
    .selectFrom('accounts')
    .leftJoin('provider_accounts', (j) =>
      j
        .onRef('provider_accounts.id', '=', 'accounts.provider_account_id')
        .on('provider_accounts.family_id', '=', familyId),
    )
    .leftJoin('connections', (j) =>
      j
        .onRef('connections.id', '=', 'provider_accounts.connection_id')
        .on('connections.family_id', '=', familyId),
    )
    .where('accounts.family_id', '=', familyId);
}

export function accountViewsRepository(db: Db) {
  return {
    /** Every account of the family with its bank, number mask and latest balance (dashboard, API). */
    async listAccountsWithBalance(familyId: string) {
      const accounts = await accountsWithSource(db, familyId)
        .select([
          'accounts.id',
          'accounts.name',
          'accounts.kind',
          'accounts.currency',
          'accounts.last_sync_at',
          'accounts.last_sync_outcome',
          'accounts.last_sync_error',
          'accounts.provider_account_id',
          'connections.institution_name',
          'provider_accounts.number_mask',
        ])
        .orderBy('accounts.kind')
        .orderBy('accounts.name')
        .orderBy('accounts.id')
        .execute();
      const balances = await balancesRepository(db).latestBalances(familyId);
      return accounts.map((a) => ({ ...a, balance: balances.get(a.id) ?? null }));
    },

    /** Bank logins a person must fix, each with its linked accounts' names (two logins at one bank differ by those). */
    async connectionsNeedingAttention(familyId: string) {
      const rows = await db
        .selectFrom('connections')
        .select(['id', 'institution_name', 'status', 'status_reason', 'updated_at'])
        .where('family_id', '=', familyId)
        .where('status', 'in', ['needs_attention', 'failed'])
        .orderBy('institution_name')
        .orderBy('id')
        .execute();
      if (rows.length === 0) return [];
      const accounts = await accountsWithSource(db, familyId)
        .select(['provider_accounts.connection_id', 'accounts.name'])
        .where(
          'provider_accounts.connection_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('accounts.name')
        .execute();
      return rows.map((r) => ({
        ...r,
        accountNames: accounts.filter((a) => a.connection_id === r.id).map((a) => a.name),
      }));
    },
  };
}

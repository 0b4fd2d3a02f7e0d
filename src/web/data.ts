/**
 * Read models for pages, straight from the ledger tables, always filtered by family id (an id
 * from a request that belongs to another family reads as "not found").
 */
import type { Kysely } from 'kysely';
import type { Store } from '../store/index.js';
import type { Database } from '../store/schema.js';

export async function listAccountsWithBalance(store: Store, familyId: string) {
  const accounts = await store.db
    .selectFrom('accounts')
    .leftJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
    .leftJoin('connections', 'connections.id', 'provider_accounts.connection_id')
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
    .where('accounts.family_id', '=', familyId)
    .orderBy('accounts.kind')
    .orderBy('accounts.name')
    .execute();
  const balances = await store.latestBalances(familyId);
  return accounts.map((a) => ({ ...a, balance: balances.get(a.id) ?? null }));
}

/** Bank logins a person must fix, each with its linked accounts' names (two logins at one bank differ by those). */
export async function connectionsNeedingAttention(db: Kysely<Database>, familyId: string) {
  const rows = await db
    .selectFrom('connections')
    .select(['id', 'institution_name', 'status', 'status_reason', 'updated_at'])
    .where('family_id', '=', familyId)
    .where('status', 'in', ['needs_attention', 'failed'])
    .execute();
  if (rows.length === 0) return [];
  const accounts = await db
    .selectFrom('accounts')
    .innerJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
    .select(['provider_accounts.connection_id', 'accounts.name'])
    .where('accounts.family_id', '=', familyId)
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
}

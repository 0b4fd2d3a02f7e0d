/**
 * Read models for pages, straight from the ledger tables, always filtered by family id (an id
 * from a request that belongs to another family reads as "not found").
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export async function listAccountsWithBalance(db: Kysely<Database>, familyId: string) {
  const accounts = await db
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
  const balances = new Map<
    string,
    { current_minor: number | null; available_minor: number | null; taken_at: string }
  >();
  for (const a of accounts) {
    const b = await db
      .selectFrom('balance_snapshots')
      .select(['current_minor', 'available_minor', 'taken_at'])
      .where('account_id', '=', a.id)
      .orderBy('taken_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (b) balances.set(a.id, b);
  }
  return accounts.map((a) => ({ ...a, balance: balances.get(a.id) ?? null }));
}

export const connectionsNeedingAttention = (db: Kysely<Database>, familyId: string) =>
  db
    .selectFrom('connections')
    .select(['id', 'institution_name', 'status', 'status_reason', 'updated_at'])
    .where('family_id', '=', familyId)
    .where('status', 'in', ['needs_attention', 'failed'])
    .execute();

export const listConnections = (db: Kysely<Database>, familyId: string) =>
  db
    .selectFrom('connections')
    .select([
      'id',
      'institution_name',
      'status',
      'status_reason',
      'last_refreshed_at',
      'user_institution_id',
      'institution_id',
    ])
    .where('family_id', '=', familyId)
    .orderBy('institution_name')
    .execute();

export const getAccount = (db: Kysely<Database>, familyId: string, accountId: string) =>
  db
    .selectFrom('accounts')
    .selectAll()
    .where('family_id', '=', familyId)
    .where('id', '=', accountId)
    .executeTakeFirst();

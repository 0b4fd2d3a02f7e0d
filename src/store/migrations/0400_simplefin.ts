import type { Kysely } from 'kysely';

/**
 * SimpleFIN access (src/simplefin): one row per setup token a family hands to a SimpleFIN app, and
 * the Access URL that claiming it produced. Only SHA-256 hashes of the claim code and of the Access
 * URL's user and password are stored; the URL itself is shown once, to the app that claims it.
 * - simplefin_tokens: the family, a name, the root URL the app was given, the claim (one time,
 *   expiring), refused re-claims (a possible leak), revocation, optional expiry, "refresh when older
 *   than N hours", last use and the request counter of the current rate-limit window;
 * - simplefin_token_accounts: the accounts a token may read (removed with the account).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('simplefin_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('root_url', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('claim_hash', 'text', (c) => c.notNull().unique())
    .addColumn('claim_expires_at', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text')
    .addColumn('refused_claims', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_refused_claim_at', 'text')
    .addColumn('access_user_hash', 'text', (c) => c.unique())
    .addColumn('access_secret_hash', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('refresh_hours', 'integer')
    .addColumn('last_used_at', 'text')
    .addColumn('use_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rate_window_start', 'text')
    .addColumn('rate_window_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('simplefin_tokens_family').on('simplefin_tokens').column('family_id').execute();

  await db.schema
    .createTable('simplefin_token_accounts')
    .addColumn('token_id', 'text', (c) => c.notNull().references('simplefin_tokens.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('simplefin_token_accounts_pk', ['token_id', 'account_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('simplefin_token_accounts').execute();
  await db.schema.dropTable('simplefin_tokens').execute();
}

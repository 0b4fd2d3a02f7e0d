/**
 * The one place that knows which database the ledger lives in. Repositories stay dialect-neutral
 * (Kysely's query builder); what cannot be said the same way in SQLite and PostgreSQL (write locks,
 * column types that must hold more than 2^31) is asked for here.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export type DatabaseDialect = 'sqlite' | 'postgres';

/** An open ledger database, whichever engine holds it. */
export interface OpenedDatabase {
  db: Kysely<Database>;
  /** The SQLite file (or ':memory:'), or the PostgreSQL URL without its password. */
  filename: string;
  dialect: DatabaseDialect;
  close(): Promise<void>;
}

// Kysely<unknown> in migrations, Kysely<Database> elsewhere: only the executor's adapter is read.
type AnyDb = Pick<Kysely<unknown>, 'getExecutor'>;

export function dialectOf(db: AnyDb): DatabaseDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

export const isPostgres = (db: AnyDb): boolean => dialectOf(db) === 'postgres';

/** Namespace of this program's transaction-level advisory locks on PostgreSQL ("SS" in ASCII). */
const ADVISORY_NAMESPACE = 0x5353;

/**
 * Makes the calling transaction the only writer of one account until it ends, before it reads the
 * ledger rows it will plan against: two syncs of the same account (web, scheduler, workers) cannot
 * both plan against the same stale rows.
 * - SQLite: a write as the first statement takes the database's write lock (a deferred transaction
 *   that read first could not upgrade later). Every writer waits, as SQLite only has one.
 * - PostgreSQL: a transaction-scoped advisory lock on the account; other accounts go on in parallel.
 *   (A row lock on `accounts` would also block the foreign-key checks of unrelated inserts.)
 */
export async function lockAccountForWrite(trx: Kysely<unknown>, accountId: string): Promise<void> {
  if (!trx.isTransaction) throw new Error('lockAccountForWrite needs a transaction');
  if (isPostgres(trx)) {
    await sql`select pg_advisory_xact_lock(${sql.lit(ADVISORY_NAMESPACE)}, hashtext(${accountId}))`.execute(
      trx,
    );
  } else {
    await sql`update change_counter set value = value where id = 1`.execute(trx);
  }
}

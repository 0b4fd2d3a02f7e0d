/**
 * The PostgreSQL side of openDatabase: a `pg` pool behind Kysely's PostgresDialect, checked before
 * use so a wrong DATABASE_URL stops the program with one clear sentence instead of a driver trace.
 *
 * Values come back as the SQLite side returns them: `bigint` (money, sequences, counts) as JS
 * numbers (an error beyond 2^53 instead of a silently rounded amount), integral `numeric` (what
 * `sum()` of a bigint gives) as numbers too; dates are stored as text, so nothing passes through a
 * time zone.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { redactDatabaseUrl } from '../database-url.js';
import type { OpenedDatabase } from './dialect.js';
import type { Database } from './schema.js';

export const MIN_POSTGRES_VERSION = 13;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

function toSafeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new Error(`database value ${text} is beyond JavaScript's exact integers`);
  return n;
}

const parsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return toSafeInteger;
    // Integral numerics (sums of money) as numbers; anything with a fraction stays exact text.
    if (oid === NUMERIC_OID) return (t: string) => (/^-?\d+$/.test(t) ? toSafeInteger(t) : t);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** A clear reason the database cannot be used; the message never contains the password. */
export class DatabaseConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseConnectError';
  }
}

/** "server older than 13" as a sentence, from `server_version_num` (e.g. 150020). */
export function checkServerVersion(versionNum: number, version: string): void {
  if (Math.floor(versionNum / 10_000) < MIN_POSTGRES_VERSION)
    throw new DatabaseConnectError(
      `DATABASE_URL: PostgreSQL ${version} is too old; Sophtron Sync needs PostgreSQL ${MIN_POSTGRES_VERSION} or newer`,
    );
}

/** Turns a failed first connection into a sentence naming what to fix. */
export function describeConnectError(err: unknown, url: string): DatabaseConnectError {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || '5432'}`;
  const user = decodeURIComponent(u.username) || 'the default user';
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  const e = err as { code?: string; message?: string };
  const shown = redactDatabaseUrl(url);
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return new DatabaseConnectError(
        `DATABASE_URL: cannot reach PostgreSQL at ${where} (${e.code}); is the server running and the address right? (${shown})`,
      );
    case '28P01':
    case '28000':
      return new DatabaseConnectError(
        `DATABASE_URL: PostgreSQL at ${where} refused user "${user}" (wrong password or no access) (${shown})`,
      );
    case '3D000':
      return new DatabaseConnectError(
        `DATABASE_URL: database "${database}" does not exist on PostgreSQL at ${where}; create it (createdb ${database}) or fix the address (${shown})`,
      );
    default: {
      // Driver messages can quote the connection string: keep only the redacted form.
      const message = (e.message ?? String(err)).split(url).join(shown);
      return new DatabaseConnectError(`DATABASE_URL: cannot use PostgreSQL at ${where}: ${message}`);
    }
  }
}

export async function openPostgres(
  url: string,
  options: { poolSize?: number } = {},
): Promise<OpenedDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: parsers,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server dropped: the pool replaces it; the next query reports its own error.
  pool.on('error', () => undefined);
  try {
    const { rows } = await pool.query<{ num: string; version: string }>(
      "select current_setting('server_version_num') as num, current_setting('server_version') as version",
    );
    checkServerVersion(Number(rows[0]!.num), rows[0]!.version);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err instanceof DatabaseConnectError ? err : describeConnectError(err, url);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, filename: redactDatabaseUrl(url), dialect: 'postgres', close: () => db.destroy() };
}

/**
 * Runs `work` while this process holds a PostgreSQL advisory lock named `key` on its own connection
 * (not the pool's): a lock that ends with the connection, so a process that dies mid-way frees it.
 */
export async function withPostgresAdvisoryLock(
  url: string,
  key: string,
  work: () => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'sophtron-sync' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [key]);
    await work();
  } finally {
    await client.end();
  }
}

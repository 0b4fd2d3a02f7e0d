/**
 * Opens the ledger database, migrations applied at open: by default one SQLite file in the data
 * folder (WAL, foreign keys on); with a `postgres://` DATABASE_URL a PostgreSQL database through a
 * connection pool (src/store/postgres.ts). Callers get a Kysely instance and never see the driver.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type MigrationProvider,
  type SqliteDialectConfig,
} from 'kysely';
import type { OpenedDatabase } from './dialect.js';
import { parseDatabaseUrl } from '../database-url.js';
import { migrations } from './migrations/index.js';
import { openPostgres } from './postgres.js';
import type { Database } from './schema.js';

export const DATABASE_FILE = 'sophtron-sync.sqlite';

export interface OpenDatabaseOptions {
  /** The data folder; the file is `<dataDir>/sophtron-sync.sqlite`. */
  dataDir?: string;
  /** An explicit file (or ':memory:'), overriding dataDir. */
  filename?: string;
  /** DATABASE_URL: `sqlite:<file>` or `postgres://…` (which overrides dataDir and filename). */
  url?: string;
  /** Connections in the PostgreSQL pool (DATABASE_POOL_SIZE). */
  poolSize?: number;
}

export type { OpenedDatabase } from './dialect.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Kysely begins SQLite transactions with a deferred BEGIN. In WAL mode a deferred transaction that
 * reads, then writes after another process committed, fails at once with "database is locked": the
 * busy timeout cannot help a read lock that must become a write lock. Taking the write lock at BEGIN
 * (IMMEDIATE) makes concurrent writers (web, worker, CLI) wait their turn instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly driverConfig: SqliteDialectConfig) {
    super(driverConfig);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.driverConfig);
  }
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const target = parseDatabaseUrl(options.url);
  if (target.kind === 'postgres') {
    const opened = await openPostgres(target.url, { poolSize: options.poolSize });
    try {
      await migrateToLatest(opened.db);
    } catch (err) {
      await opened.close();
      throw err;
    }
    return opened;
  }
  return openSqlite(options.filename ?? target.filename ?? join(options.dataDir ?? './data', DATABASE_FILE));
}

async function openSqlite(filename: string): Promise<OpenedDatabase> {
  const created = filename !== ':memory:' && !existsSync(filename);
  // Bank data and sealed secrets: a new data folder and database are for this user only.
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
  const sqlite = new SQLite(filename);
  // SQLite gives the -wal and -shm files the database file's mode.
  if (created) chmodSync(filename, 0o600);
  // Several processes (web server, worker, CLI) share the file: wait for a writer instead of failing.
  // Set first: switching a new file to WAL needs a moment alone with it too.
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  try {
    await migrateTakingTurns(sqlite, db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, filename, dialect: 'sqlite', close: () => db.destroy() };
}

const BUSY_TIMEOUT_MS = 5000;
const MIGRATION_WAIT_MS = 120_000;

/**
 * Kysely runs SQLite migrations outside a transaction, and its migration lock is a no-op there (it
 * assumes one connection). Processes opening a new data folder at once (web and worker started
 * together) would run the same migration twice and fail. One IMMEDIATE transaction around the run
 * makes them take turns (the later one finds nothing left to do), and rolls a failed migration
 * back whole instead of leaving it half applied.
 */
async function migrateTakingTurns(sqlite: SQLite.Database, db: Kysely<Database>): Promise<void> {
  if (pendingMigrations(sqlite).length === 0) return;
  // Wait for the lock without blocking this thread: better-sqlite3's busy wait would stall every
  // other connection of this process (which may be the one holding the lock).
  sqlite.pragma('busy_timeout = 0');
  try {
    const deadline = Date.now() + MIGRATION_WAIT_MS;
    for (;;) {
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    try {
      await migrateToLatest(db);
      sqlite.exec('COMMIT');
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw err;
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/** Names of registered migrations this file has not run (read directly: no lock, no writes). */
function pendingMigrations(sqlite: SQLite.Database): string[] {
  const names = Object.keys(migrations);
  const hasTable = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
    .get();
  if (!hasTable) return names;
  const done = new Set(
    (sqlite.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name),
  );
  return names.filter((n) => !done.has(n));
}

export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  // Each module numbers its migrations in its own range (00xx ledger, 01xx Firefly...), so a new
  // ledger migration sorts before ones an existing database already ran: run it all the same.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

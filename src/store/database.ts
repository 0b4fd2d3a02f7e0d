/**
 * Opens the ledger database: one SQLite file in the data folder, WAL, foreign keys on, migrations
 * applied at open. Callers get a Kysely instance; nothing outside src/store touches better-sqlite3,
 * so a PostgreSQL dialect can be added here without changing callers.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export const DATABASE_FILE = 'sophtron-sync.sqlite';

export interface OpenDatabaseOptions {
  /** The data folder; the file is `<dataDir>/sophtron-sync.sqlite`. */
  dataDir?: string;
  /** An explicit file (or ':memory:'), overriding dataDir. */
  filename?: string;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  filename: string;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const filename = options.filename ?? join(options.dataDir ?? './data', DATABASE_FILE);
  const created = filename !== ':memory:' && !existsSync(filename);
  // Bank data and sealed secrets: a new data folder and database are for this user only.
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
  const sqlite = new SQLite(filename);
  // SQLite gives the -wal and -shm files the database file's mode.
  if (created) chmodSync(filename, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes (web server, worker, CLI) share the file: wait for a writer instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, filename, close: () => db.destroy() };
}

export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * One suite, both databases. vitest.config.ts runs every test file in a `sqlite` project and the
 * suites listed there once more in a `postgres` project (when the run found a PostgreSQL server).
 * A test asks `createTestDatabase()` for a fresh, migrated ledger of its project's kind: a SQLite
 * file in a tmp folder, or a PostgreSQL database of its own (copied from the run's template,
 * test/helpers/postgres-setup.ts), dropped by dispose().
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/store/database.js';
import { withDatabase, withPgClient } from './find-postgres.js';
import './postgres-setup.js';

export type TestDatabaseKind = 'sqlite' | 'postgres';

/** The database this test file runs on (its vitest project's). */
export function testDatabaseKind(): TestDatabaseKind {
  return inject('testDatabaseKind') ?? 'sqlite';
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** A fresh tmp folder (the SQLite file, the key file, exports). */
  dataDir: string;
  /** DATABASE_URL for the PostgreSQL kind; undefined for SQLite (the file in dataDir). */
  url: string | undefined;
  /** The environment a child process needs to reach the same ledger. */
  env: { DATA_DIR: string; DATABASE_URL?: string };
  /** Opens the ledger (again); closed by dispose() if not before. */
  open(): Promise<OpenedDatabase>;
  dispose(): Promise<void>;
}

async function adminQuery(sqlText: string): Promise<void> {
  await withPgClient(inject('testDatabaseUrl')!, (c) => c.query(sqlText));
}

export async function createTestDatabase(kind = testDatabaseKind()): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `ss-${kind}-`));
  let url: string | undefined;
  let name: string | undefined;
  if (kind === 'postgres') {
    const admin = inject('testDatabaseUrl');
    if (!admin) throw new Error('no PostgreSQL test server in this run');
    name = `${inject('testDatabasePrefix')}_${randomBytes(5).toString('hex')}`;
    await adminQuery(`create database ${name} template ${inject('testDatabaseTemplate')}`);
    url = withDatabase(admin, name);
  }
  const opened: OpenedDatabase[] = [];
  return {
    kind,
    dataDir,
    url,
    env: url ? { DATA_DIR: dataDir, DATABASE_URL: url } : { DATA_DIR: dataDir },
    async open() {
      const o = await openDatabase({ dataDir, url });
      opened.push(o);
      return o;
    },
    async dispose() {
      for (const o of opened.splice(0)) await o.close().catch(() => undefined);
      if (name) await adminQuery(`drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Global setup of the `postgres` test project: one migrated template database per run, which each
 * test's database copies (much cheaper than migrating a new one), and at the end every database
 * this run created is dropped, also those of a test file that crashed.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/store/database.js';
import { withDatabase, withPgClient as admin } from './find-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Which database the test files of this project run on. */
    testDatabaseKind: 'sqlite' | 'postgres';
    /** Admin URL of the PostgreSQL test server (postgres project only). */
    testDatabaseUrl: string | null;
    /** Migrated database each test database is copied from. */
    testDatabaseTemplate: string;
    /** Prefix of every database this run creates. */
    testDatabasePrefix: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = project.config.provide?.testDatabaseUrl;
  if (!url) throw new Error('the postgres test project needs testDatabaseUrl');
  const prefix = `ss_test_${randomBytes(4).toString('hex')}`;
  const template = `${prefix}_template`;
  project.provide('testDatabasePrefix', prefix);
  project.provide('testDatabaseTemplate', template);
  await admin(url, (c) => c.query(`create database ${template}`));
  const opened = await openDatabase({ url: withDatabase(url, template) });
  await opened.close();
  return async () => {
    await admin(url, async (c) => {
      const { rows } = await c.query<{ datname: string }>(
        'select datname from pg_database where starts_with(datname, $1)',
        [prefix],
      );
      for (const r of rows) await c.query(`drop database if exists ${r.datname} with (force)`);
    });
  };
}

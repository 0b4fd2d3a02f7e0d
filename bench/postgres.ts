/**
 * A PostgreSQL database of its own for one benchmark run, on the server BENCH_DATABASE_URL names
 * (default the local one, postgres://postgres@127.0.0.1:5432/postgres); dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { withDatabase, withPgClient } from '../test/helpers/find-postgres.js';

export const benchPostgresUrl = (): string =>
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(url: string, text: string): Promise<void> {
  await withPgClient(url, (c) => c.query(text));
}

export async function freshDatabase(
  adminUrl = benchPostgresUrl(),
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ss_bench_${randomBytes(5).toString('hex')}`;
  await admin(adminUrl, `create database ${name}`);
  return {
    url: withDatabase(adminUrl, name),
    drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

/** Whether a PostgreSQL server answers at the benchmark's address. */
export async function postgresReachable(adminUrl = benchPostgresUrl()): Promise<boolean> {
  try {
    await admin(adminUrl, 'select 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Which PostgreSQL server the PostgreSQL half of the suite runs against (read by vitest.config.ts):
 * - TEST_DATABASE_URL set: that server; unreachable fails the run.
 * - unset: the usual local server when it answers; otherwise SQLite only, said in one line, except
 *   on CI (CI=true), where a missing PostgreSQL fails the run.
 */
import pg from 'pg';

export const LOCAL_TEST_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

async function problem(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function findTestPostgres(
  env: Record<string, string | undefined> = process.env,
  say: (line: string) => void = (line) => console.log(line),
): Promise<string | null> {
  const explicit = env.TEST_DATABASE_URL?.trim();
  const url = explicit || LOCAL_TEST_POSTGRES;
  const why = await problem(url);
  if (!why) return url;
  if (explicit) throw new Error(`TEST_DATABASE_URL: PostgreSQL test server unreachable: ${why}`);
  if (env.CI === 'true')
    throw new Error(`CI needs PostgreSQL for the PostgreSQL suite: ${LOCAL_TEST_POSTGRES}: ${why}`);
  say(
    `PostgreSQL suite skipped (no server at ${LOCAL_TEST_POSTGRES}); run it with TEST_DATABASE_URL=postgres://user@host:5432/postgres npm test`,
  );
  return null;
}

/** Runs `fn` on a connection of its own to `url`, closed afterwards (creating and dropping databases). */
export async function withPgClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The same server, another database on it. */
export const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

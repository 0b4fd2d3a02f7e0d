/**
 * Login rate limit per client address + username, stored so a restart does not reset it:
 * after MAX_FAILURES failures within WINDOW_MS the pair is locked for LOCK_MS.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export const MAX_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;

export const attemptKey = (ip: string, username: string): string => `${ip}|${username.trim().toLowerCase()}`;

/** Milliseconds until the pair may try again, or 0. */
export async function lockedFor(db: Kysely<Database>, key: string, now = Date.now()): Promise<number> {
  const row = await db
    .selectFrom('web_login_attempts')
    .select('locked_until')
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row?.locked_until) return 0;
  return Math.max(0, Date.parse(row.locked_until) - now);
}

export async function recordFailure(db: Kysely<Database>, key: string, now = Date.now()): Promise<void> {
  const row = await db.selectFrom('web_login_attempts').selectAll().where('key', '=', key).executeTakeFirst();
  const fresh = !row || now - Date.parse(row.first_failure_at) > WINDOW_MS;
  const failures = fresh ? 1 : row.failures + 1;
  const values = {
    key,
    failures,
    first_failure_at: fresh ? new Date(now).toISOString() : row.first_failure_at,
    locked_until: failures >= MAX_FAILURES ? new Date(now + LOCK_MS).toISOString() : null,
  };
  await db
    .insertInto('web_login_attempts')
    .values(values)
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
}

export async function clearFailures(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('web_login_attempts').where('key', '=', key).execute();
}

/**
 * Throttling of failed authentications, kept in the database (`web_login_attempts`) so every
 * server process shares it: the web's logins and setup code (src/web/auth/throttle.ts names their
 * buckets) and SimpleFIN's Access URLs and claims (src/simplefin/limits.ts). Failures are counted
 * per bucket; past a bucket's free tries each failure doubles the wait before the next try (5 s,
 * 10 s, 20 s … up to 15 minutes), and a bucket is forgotten after a quiet day.
 */
import type { Db } from './util.js';

export interface Bucket {
  /** Unique across every user of the table: prefixed by what it counts (`pair|`, `simplefin|`…). */
  key: string;
  /** Failures allowed before the first wait. */
  free: number;
}

const BASE_DELAY_MS = 5_000;
export const MAX_DELAY_MS = 15 * 60_000;
const FORGET_MS = 24 * 3600_000;

/** The wait after the `failures`-th failure of a bucket with `free` free tries. */
export const delayAfter = (failures: number, free: number): number =>
  failures <= free ? 0 : Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(failures - free - 1, 20));

const iso = (ms: number) => new Date(ms).toISOString();

/** Milliseconds before any of the buckets may try again (0: now). */
async function waitBefore(db: Db, list: Bucket[], now: number): Promise<number> {
  if (!list.length) return 0;
  const rows = await db
    .selectFrom('web_login_attempts')
    .select(['locked_until'])
    .where(
      'key',
      'in',
      list.map((b) => b.key),
    )
    .execute();
  return Math.max(0, ...rows.map((r) => (r.locked_until ? Date.parse(r.locked_until) - now : 0)));
}

/** One more failure in each bucket (one atomic increment each, so parallel attempts all count). */
async function recordFailure(db: Db, list: Bucket[], now: number): Promise<void> {
  const forgotten = iso(now - FORGET_MS);
  for (const b of list) {
    const row = await db
      .insertInto('web_login_attempts')
      .values({
        key: b.key,
        failures: 1,
        first_failure_at: iso(now),
        last_failure_at: iso(now),
        locked_until: null,
      })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          failures: eb
            .case()
            .when(eb.fn.coalesce('web_login_attempts.last_failure_at', eb.val('')), '<', forgotten)
            .then(1)
            .else(eb('web_login_attempts.failures', '+', 1))
            .end(),
          first_failure_at: eb
            .case()
            .when(eb.fn.coalesce('web_login_attempts.last_failure_at', eb.val('')), '<', forgotten)
            .then(iso(now))
            .else(eb.ref('web_login_attempts.first_failure_at'))
            .end(),
          last_failure_at: iso(now),
        })),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    const delay = delayAfter(Number(row.failures), b.free);
    if (delay === 0) continue;
    // Only ever later: a parallel failure that counted fewer must not shorten this wait.
    const until = iso(now + delay);
    await db
      .updateTable('web_login_attempts')
      .set({ locked_until: until })
      .where('key', '=', b.key)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', until)]))
      .execute();
  }
}

async function clearFailures(db: Db, list: Bucket[]): Promise<void> {
  if (!list.length) return;
  await db
    .deleteFrom('web_login_attempts')
    .where(
      'key',
      'in',
      list.map((b) => b.key),
    )
    .execute();
}

export function throttleRepository(db: Db) {
  return {
    /** Milliseconds before any of the buckets may try again (0: now). */
    throttleWait: (list: Bucket[], now: number) => waitBefore(db, list, now),
    /** One more failure in each bucket. */
    recordThrottleFailure: (list: Bucket[], now: number) => recordFailure(db, list, now),
    /** Forgets the buckets' failures (after a success). */
    clearThrottle: (list: Bucket[]) => clearFailures(db, list),
  };
}

/**
 * Retry delays after failures: 15 min, 30, 1 h, 2 h… capped (a day by default). A connection that
 * needs the user (MFA, changed password) is not retried at all: its status says so, and only a
 * successful connect or refresh by a person clears it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export const FAMILY_WIDE = '*';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  const exp = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.baseMs * 2 ** exp, policy.maxMs);
}

export async function recordFailure(
  db: Kysely<Database>,
  familyId: string,
  connectionId: string,
  error: string,
  policy: BackoffPolicy,
  now: Date,
): Promise<{ failures: number; nextAttemptAt: string }> {
  const row = await db
    .selectFrom('scheduler_backoff')
    .select('failures')
    .where('family_id', '=', familyId)
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  const failures = (row?.failures ?? 0) + 1;
  const nextAttemptAt = new Date(now.getTime() + backoffDelay(failures, policy)).toISOString();
  const values = {
    failures,
    next_attempt_at: nextAttemptAt,
    last_error: error,
    updated_at: now.toISOString(),
  };
  await db
    .insertInto('scheduler_backoff')
    .values({ family_id: familyId, connection_id: connectionId, ...values })
    .onConflict((oc) => oc.columns(['family_id', 'connection_id']).doUpdateSet(values))
    .execute();
  return { failures, nextAttemptAt };
}

export async function clearBackoff(
  db: Kysely<Database>,
  familyId: string,
  connectionId: string,
): Promise<void> {
  await db
    .deleteFrom('scheduler_backoff')
    .where('family_id', '=', familyId)
    .where('connection_id', '=', connectionId)
    .execute();
}

export async function listBackoff(db: Kysely<Database>, familyId: string) {
  return db.selectFrom('scheduler_backoff').selectAll().where('family_id', '=', familyId).execute();
}

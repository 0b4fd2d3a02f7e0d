/**
 * Retry delays after failures: 15 min, 30, 1 h, 2 h… capped (a day by default). A connection that
 * needs the user (MFA, changed password) is not retried at all: its status says so, and only a
 * successful connect or refresh by a person clears it.
 */
import type { Store } from '../store/index.js';

export const FAMILY_WIDE = '*';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  const exp = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.baseMs * 2 ** exp, policy.maxMs);
}

export function recordFailure(
  store: Store,
  familyId: string,
  connectionId: string,
  error: string,
  policy: BackoffPolicy,
  now: Date,
): Promise<{ failures: number; nextAttemptAt: string }> {
  return store.recordBackoffFailure(familyId, connectionId, error, now, (failures) =>
    backoffDelay(failures, policy),
  );
}

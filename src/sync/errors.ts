/**
 * One clear sentence for why an account's sync failed, naming the Sophtron call and the reason, e.g.
 * "Sophtron rate-limited the transactions call (429) and the retry budget ran out". Messages come
 * from the client's typed errors, which never hold a secret.
 */
import { SophtronError, SophtronRateLimitedError } from '../sophtron/errors.js';
import { PlanInputError } from './plan.js';

export type SyncStage = 'refresh' | 'account' | 'transactions' | 'ledger';

const CALL: Record<SyncStage, string> = {
  refresh: 'refresh call',
  account: 'account call',
  transactions: 'transactions call',
  ledger: 'ledger write',
};

export { SyncRequestError } from '../domain/errors.js';

/** Why a transient error was given up at once: never "the retry budget ran out" when no retry happened. */
function notRetried(err: SophtronError): string {
  if (err instanceof SophtronRateLimitedError && err.retryAfterMs !== null && err.retryAfterMs > 0) {
    return `; not retried: it asks to wait ${Math.ceil(err.retryAfterMs / 1000)} s, longer than the retry budget (SOPHTRON_RETRY_BUDGET_MS)`;
  }
  return '; not retried (SOPHTRON_RETRY_BUDGET_MS is too short for a retry)';
}

export function describeSyncError(err: unknown, stage: SyncStage): string {
  const call = CALL[stage];
  if (err instanceof SophtronError) {
    const retried = !err.transient ? '' : err.retries > 0 ? ' and the retry budget ran out' : notRetried(err);
    switch (err.kind) {
      case 'rate_limited':
        return `Sophtron rate-limited the ${call} (429)${retried}`;
      case 'server':
        return `Sophtron failed the ${call} (HTTP ${err.status ?? '5xx'})${retried}`;
      case 'network':
        return `Sophtron could not be reached for the ${call} (network error)${retried}`;
      case 'timeout':
        return `Sophtron did not answer the ${call} in time${retried}`;
      case 'invalid_response':
        return `Sophtron's answer to the ${call} could not be read (${err.message})${retried}`;
      case 'not_found':
        return `Sophtron no longer knows this account (${call}: HTTP 404); link it again`;
      case 'auth':
      case 'forbidden':
        return `${err.message} (${call})`;
      default:
        return `the ${call} failed: ${err.message}`;
    }
  }
  if (err instanceof PlanInputError) {
    return stage === 'account'
      ? `Sophtron's answer to the account call cannot be used: ${err.message}`
      : `Sophtron sent a transaction the ledger cannot hold: ${err.message}`;
  }
  const text = err instanceof Error ? err.message : String(err);
  return `the ${call} failed: ${text}`;
}

/** describeSyncError: one sentence naming the call, and "the retry budget ran out" only after retries. */
import { describe, expect, it } from 'vitest';
import { SophtronRateLimitedError, SophtronServerError } from '../sophtron/errors.js';
import { describeSyncError } from './errors.js';

describe('describeSyncError', () => {
  it('says the retry budget ran out only when retries were made', () => {
    const retried = new SophtronServerError({ status: 503 });
    retried.retries = 4;
    expect(describeSyncError(retried, 'refresh')).toBe(
      'Sophtron failed the refresh call (HTTP 503) and the retry budget ran out',
    );
    const once = new SophtronRateLimitedError(600_000, { status: 429 });
    expect(describeSyncError(once, 'transactions')).toBe(
      'Sophtron rate-limited the transactions call (429); not retried: it asks to wait 600 s, longer than the retry budget (SOPHTRON_RETRY_BUDGET_MS)',
    );
    expect(describeSyncError(new SophtronServerError({ status: 500 }), 'account')).toBe(
      'Sophtron failed the account call (HTTP 500); not retried (SOPHTRON_RETRY_BUDGET_MS is too short for a retry)',
    );
  });
});

/**
 * Rate limits of the SimpleFIN endpoints, pure and clocked by the caller:
 * - per Access URL, requests per hour (counted in the database, so every process counts
 *   together). Past 80% the answer still carries data, with a warning in `errors` (Sure reacts to
 *   the words "rate limit"); over the limit it is 429 with Retry-After;
 * - per client address (TRUST_PROXY honoured), failed authentications and refused claims: the
 *   bucket below, counted in the database like the web's failed logins.
 */
import type { Bucket } from '../store/throttle.js';

export const RATE_WINDOW_MS = 60 * 60_000;

export type RateDecision =
  { allowed: true; warning: string | null } | { allowed: false; retryAfterSeconds: number; message: string };

export function rateDecision(input: {
  count: number;
  windowStart: string;
  now: Date;
  limit: number;
}): RateDecision {
  const resetAt = Date.parse(input.windowStart) + RATE_WINDOW_MS;
  const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - input.now.getTime()) / 1000));
  if (input.count > input.limit)
    return {
      allowed: false,
      retryAfterSeconds,
      message: `Rate limit exceeded: this Access URL may make ${input.limit} requests an hour. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
    };
  if (input.count > Math.floor(input.limit * 0.8))
    return {
      allowed: true,
      warning: `Approaching the rate limit: ${input.count} of ${input.limit} requests this hour. Please make fewer requests.`,
    };
  return { allowed: true, warning: null };
}

/**
 * An address that failed to authenticate (a wrong Access URL, a bad or spent claim code) 20 times
 * waits before its next try, then twice as long after each further failure. Counted with the web's
 * failed logins (src/store/throttle.ts, in the database), so every server process shares it.
 */
export const MAX_FAILURES = 20;

export const failureBucket = (address: string): Bucket => ({
  key: `simplefin|${address}`,
  free: MAX_FAILURES - 1,
});

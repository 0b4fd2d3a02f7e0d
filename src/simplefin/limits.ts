/**
 * Rate limits of the SimpleFIN endpoints, pure and clocked by the caller:
 * - per Access URL, requests per hour (counted in the database, so every process counts
 *   together). Past 80% the answer still carries data, with a warning in `errors` (Sure reacts to
 *   the words "rate limit"); over the limit it is 429 with Retry-After;
 * - per client address, failed authentications and refused claims: after MAX_FAILURES within
 *   the window that address is refused until the window has passed (in memory: a restart forgets).
 */
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

export const MAX_FAILURES = 20;
const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 10_000;

export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = MAX_FAILURES,
    private readonly windowMs = FAILURE_WINDOW_MS,
  ) {}

  /** Seconds until `key` may try again, or 0. */
  blockedFor(key: string): number {
    const f = this.failures.get(key);
    if (!f) return 0;
    const left = f.since + this.windowMs - this.now();
    if (left <= 0) {
      this.failures.delete(key);
      return 0;
    }
    return f.count >= this.max ? Math.ceil(left / 1000) : 0;
  }

  fail(key: string): void {
    const t = this.now();
    const f = this.failures.get(key);
    if (!f || t - f.since > this.windowMs) {
      if (this.failures.size >= MAX_TRACKED) this.prune(t);
      this.failures.set(key, { count: 1, since: t });
    } else f.count += 1;
  }

  private prune(t: number): void {
    for (const [k, f] of this.failures) if (t - f.since > this.windowMs) this.failures.delete(k);
    // Still full (an attack from many addresses): forget the oldest rather than grow without bound.
    if (this.failures.size >= MAX_TRACKED) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}

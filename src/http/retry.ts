/**
 * The one retry policy of every HTTP client of the project (Sophtron, Firefly III): a time budget
 * per request, exponential backoff with full jitter, and the server's Retry-After honoured — never
 * sooner than asked. A wait that does not fit in what is left of the budget is not waited: the
 * caller turns it into an error a person can act on.
 */
import { sleep } from '../sleep.js';

export interface RetryPolicy {
  /** Longest total time spent on one request, retries included; 0 turns retries off. */
  budgetMs: number;
  /** Ceiling of the first backoff (before jitter); later ones double up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** In [0, 1); the jitter source (tests make it fixed). */
  random: () => number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function retryPolicy(options: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    budgetMs: options.budgetMs ?? 120_000,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? sleep,
  };
}

/**
 * Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or
 * unreadable. A date in the past means "now".
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * The wait before the next attempt: full jitter over an exponential ceiling (so many clients that
 * failed together do not come back together), and never less than the server asked for.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | null): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const backoff = policy.random() * ceiling;
  return retryAfterMs === null ? backoff : Math.max(retryAfterMs, backoff);
}

/** Whether an error is worth another attempt, and how long the server asked us to wait. */
export type RetryVerdict = { retry: false } | { retry: true; retryAfterMs: number | null };

export interface RetryHooks {
  classify(err: unknown): RetryVerdict;
  /** Called before each wait (for a log line). */
  onRetry?(err: unknown, attempt: number, waitMs: number): void;
  /**
   * What to throw when the next wait does not fit in the budget; default the last error as is.
   * `retryAfterMs` is what the server asked for (null when it did not say).
   */
  overBudget?(err: unknown, waitMs: number, retryAfterMs: number | null): unknown;
  signal?: AbortSignal;
  /** This request's budget when shorter than the policy's. */
  budgetMs?: number;
}

/** Runs `attempt` until it succeeds, an error is not worth retrying, or the budget is spent. */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  hooks: RetryHooks,
): Promise<T> {
  const started = policy.now();
  const budget = Math.min(policy.budgetMs, hooks.budgetMs ?? policy.budgetMs);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const verdict = hooks.classify(err);
      if (!verdict.retry) throw err;
      const wait = retryDelay(policy, n, verdict.retryAfterMs);
      const remaining = budget - (policy.now() - started);
      if (wait > remaining) throw hooks.overBudget ? hooks.overBudget(err, wait, verdict.retryAfterMs) : err;
      hooks.onRetry?.(err, n, wait);
      await policy.sleep(wait, hooks.signal);
    }
  }
}

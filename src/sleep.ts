/** The one wait: node's timer promise, cut short by an AbortSignal (retries, job polls, backoff). */
import { setTimeout as wait } from 'node:timers/promises';

/** Resolves after `ms`; an abort rejects with the signal's own reason, as fetch does. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/**
 * Login throttling's buckets (the counting and the waits: src/store/throttle.ts, in the database so
 * every server process shares them).
 *
 * A stranger's attempts count in two buckets: (address, user name), so nobody else's address is
 * locked out of that name, and the address alone, so spraying many names is slow too. A device
 * that logged in before (devices.ts) or the person's own session counts only in its own bucket:
 * whatever a stranger does, the right password from there is never refused.
 */
import type { Bucket } from '../../store/throttle.js';

const normal = (username: string) => username.trim().toLowerCase();

export const buckets = {
  pair: (address: string, username: string): Bucket => ({
    key: `pair|${address}|${normal(username)}`,
    free: 3,
  }),
  address: (address: string): Bucket => ({ key: `address|${address}`, free: 10 }),
  device: (tokenHash: string): Bucket => ({ key: `device|${tokenHash}`, free: 5 }),
  session: (sessionHash: string): Bucket => ({ key: `session|${sessionHash}`, free: 5 }),
  setup: (address: string): Bucket => ({ key: `setup|${address}`, free: 5 }),
};

/** "12 seconds", "4 minutes": how long to wait, for the refusal. */
export function waitText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} second${s === 1 ? '' : 's'}`;
  return `${Math.ceil(s / 60)} minutes`;
}

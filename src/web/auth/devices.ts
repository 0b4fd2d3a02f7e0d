/**
 * Devices a person logged in from: a random cookie set at each successful login, only its SHA-256
 * stored with the user. A login lock (throttle.ts) never refuses the right password from one of
 * them, so a stranger guessing a name cannot keep its owner out.
 */
import type { Repositories } from '../../store/index.js';
import { randomToken, sha256 } from './tokens.js';

export const DEVICE_COOKIE = 'ss_device';
export const DEVICE_TTL_MS = 365 * 24 * 3600_000;

type DeviceStore = Pick<Repositories, 'findKnownDevice' | 'touchKnownDevice' | 'addKnownDevice'>;

/** The device's hash when the cookie is one of this user's devices (used within a year), else null. */
export async function knownDevice(
  store: DeviceStore,
  cookieValue: string | undefined,
  userId: string,
  now: number,
): Promise<string | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const row = await store.findKnownDevice(sha256(cookieValue), userId);
  return row && Date.parse(row.last_used_at) > now - DEVICE_TTL_MS ? row.token_hash : null;
}

/** After a successful login: the cookie value to (re)set; a known device keeps its own. */
export async function rememberDevice(
  store: DeviceStore,
  userId: string,
  cookieValue: string | undefined,
  now: number,
): Promise<string> {
  const at = new Date(now).toISOString();
  if (cookieValue && (await knownDevice(store, cookieValue, userId, now))) {
    await store.touchKnownDevice(sha256(cookieValue), at);
    return cookieValue;
  }
  const fresh = randomToken();
  await store.addKnownDevice({ tokenHash: sha256(fresh), userId, at });
  return fresh;
}

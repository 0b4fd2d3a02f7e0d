/**
 * Devices a person logged in from: a random cookie set at each successful login, only its SHA-256
 * stored with the user. A login lock (throttle.ts) never refuses the right password from one of
 * them, so a stranger guessing a name cannot keep its owner out.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { randomToken, sha256 } from './tokens.js';

export const DEVICE_COOKIE = 'ss_device';
export const DEVICE_TTL_MS = 365 * 24 * 3600_000;

/** The device's hash when the cookie is one of this user's devices (used within a year), else null. */
export async function knownDevice(
  db: Kysely<Database>,
  cookieValue: string | undefined,
  userId: string,
  now: number,
): Promise<string | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const hash = sha256(cookieValue);
  const row = await db
    .selectFrom('web_known_devices')
    .select(['token_hash', 'last_used_at'])
    .where('token_hash', '=', hash)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row && Date.parse(row.last_used_at) > now - DEVICE_TTL_MS ? row.token_hash : null;
}

/** After a successful login: the cookie value to (re)set; a known device keeps its own. */
export async function rememberDevice(
  db: Kysely<Database>,
  userId: string,
  cookieValue: string | undefined,
  now: number,
): Promise<string> {
  const at = new Date(now).toISOString();
  if (cookieValue && (await knownDevice(db, cookieValue, userId, now))) {
    await db
      .updateTable('web_known_devices')
      .set({ last_used_at: at })
      .where('token_hash', '=', sha256(cookieValue))
      .execute();
    return cookieValue;
  }
  const fresh = randomToken();
  await db
    .insertInto('web_known_devices')
    .values({ token_hash: sha256(fresh), user_id: userId, created_at: at, last_used_at: at })
    .execute();
  return fresh;
}

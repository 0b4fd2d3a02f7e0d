/**
 * Sessions in the database: the cookie holds 256 random bits; only their SHA-256 is stored, so a
 * copy of the database cannot be used to log in. Each session has its own CSRF token.
 */
import type { Repositories, StoredSession } from '../../store/index.js';
import { randomToken, sha256 } from './tokens.js';

export const SESSION_COOKIE = 'ss_session';
export const SESSION_TTL_MS = 14 * 24 * 3600_000;

export type SessionUser = StoredSession['user'];

export interface Session {
  idHash: string;
  csrfToken: string;
  user: SessionUser;
}

export async function createSession(
  store: Pick<Repositories, 'insertSession'>,
  userId: string,
  now = Date.now(),
): Promise<{ cookieValue: string; csrfToken: string }> {
  const cookieValue = randomToken();
  const csrfToken = randomToken();
  await store.insertSession({
    idHash: sha256(cookieValue),
    userId,
    csrfToken,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + SESSION_TTL_MS).toISOString(),
  });
  return { cookieValue, csrfToken };
}

export async function loadSession(
  store: Pick<Repositories, 'findSession' | 'deleteSession'>,
  cookieValue: string | undefined,
  now = Date.now(),
): Promise<Session | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const found = await store.findSession(sha256(cookieValue));
  if (!found) return null;
  if (Date.parse(found.expiresAt) <= now) {
    await store.deleteSession(found.idHash);
    return null;
  }
  return { idHash: found.idHash, csrfToken: found.csrfToken, user: found.user };
}

/** Tokens for scripts (`Authorization: Bearer sst_…`); only their SHA-256 is stored. */
import type { Repositories } from '../../store/index.js';
import type { SessionUser } from './sessions.js';
import { randomToken, sha256 } from './tokens.js';

export const TOKEN_PREFIX = 'sst_';

/** Makes a token for the user; the only time it is seen whole. */
export async function createApiToken(
  store: Pick<Repositories, 'insertApiToken'>,
  userId: string,
  name: string,
): Promise<string> {
  const token = TOKEN_PREFIX + randomToken();
  await store.insertApiToken({ userId, name, tokenHash: sha256(token) });
  return token;
}

export async function userForToken(
  store: Pick<Repositories, 'useApiToken'>,
  token: string,
): Promise<SessionUser | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
  return (await store.useApiToken(sha256(token))) ?? null;
}

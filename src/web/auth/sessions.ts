/**
 * Sessions in the database: the cookie holds 256 random bits; only their SHA-256 is stored, so a
 * copy of the database cannot be used to log in. Each session has its own CSRF token.
 */
import type { Kysely } from 'kysely';
import type { Database, WebUsersTable } from '../../store/schema.js';
import { randomToken, sha256 } from './tokens.js';

export const SESSION_COOKIE = 'ss_session';
export const SESSION_TTL_MS = 14 * 24 * 3600_000;

export interface SessionUser {
  id: string;
  familyId: string;
  username: string;
  role: WebUsersTable['role'];
  instanceAdmin: boolean;
}

export interface Session {
  idHash: string;
  csrfToken: string;
  user: SessionUser;
}

export async function createSession(
  db: Kysely<Database>,
  userId: string,
  now = Date.now(),
): Promise<{ cookieValue: string; csrfToken: string }> {
  const cookieValue = randomToken();
  const csrfToken = randomToken();
  await db
    .insertInto('web_sessions')
    .values({
      id_hash: sha256(cookieValue),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + SESSION_TTL_MS).toISOString(),
    })
    .execute();
  return { cookieValue, csrfToken };
}

export async function loadSession(
  db: Kysely<Database>,
  cookieValue: string | undefined,
  now = Date.now(),
): Promise<Session | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const row = await db
    .selectFrom('web_sessions')
    .innerJoin('web_users', 'web_users.id', 'web_sessions.user_id')
    .select([
      'web_sessions.id_hash',
      'web_sessions.csrf_token',
      'web_sessions.expires_at',
      'web_users.id',
      'web_users.family_id',
      'web_users.username',
      'web_users.role',
      'web_users.instance_admin',
    ])
    .where('web_sessions.id_hash', '=', sha256(cookieValue))
    .executeTakeFirst();
  if (!row) return null;
  if (Date.parse(row.expires_at) <= now) {
    await db.deleteFrom('web_sessions').where('id_hash', '=', row.id_hash).execute();
    return null;
  }
  return {
    idHash: row.id_hash,
    csrfToken: row.csrf_token,
    user: {
      id: row.id,
      familyId: row.family_id,
      username: row.username,
      role: row.role,
      instanceAdmin: row.instance_admin === 1,
    },
  };
}

export async function destroySession(db: Kysely<Database>, idHash: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
}

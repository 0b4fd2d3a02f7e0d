/** Tokens for scripts (`Authorization: Bearer sst_…`); only their SHA-256 is stored. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { SessionUser } from './sessions.js';
import { randomToken, sha256 } from './tokens.js';

export const TOKEN_PREFIX = 'sst_';

export async function createApiToken(db: Kysely<Database>, userId: string, name: string): Promise<string> {
  const token = TOKEN_PREFIX + randomToken();
  await db
    .insertInto('web_api_tokens')
    .values({
      id: randomUUID(),
      user_id: userId,
      name,
      token_hash: sha256(token),
      created_at: new Date().toISOString(),
      last_used_at: null,
    })
    .execute();
  return token;
}

export const listApiTokens = (db: Kysely<Database>, userId: string) =>
  db
    .selectFrom('web_api_tokens')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();

/** Deletes one of the user's own tokens; false when it is not theirs (or does not exist). */
export async function deleteApiToken(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('web_api_tokens')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Deletes every token of the user; returns how many. A password change calls it: whatever was
 * issued under the old password (sessions and tokens alike) ends with it.
 */
export async function revokeAllApiTokens(db: Kysely<Database>, userId: string): Promise<number> {
  const r = await db.deleteFrom('web_api_tokens').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function userForToken(db: Kysely<Database>, token: string): Promise<SessionUser | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
  const hash = sha256(token);
  const row = await db
    .selectFrom('web_api_tokens')
    .innerJoin('web_users', 'web_users.id', 'web_api_tokens.user_id')
    .select([
      'web_users.id',
      'web_users.family_id',
      'web_users.username',
      'web_users.role',
      'web_users.instance_admin',
    ])
    .where('web_api_tokens.token_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  await db
    .updateTable('web_api_tokens')
    .set({ last_used_at: new Date().toISOString() })
    .where('token_hash', '=', hash)
    .execute();
  return {
    id: row.id,
    familyId: row.family_id,
    username: row.username,
    role: row.role,
    instanceAdmin: row.instance_admin === 1,
  };
}

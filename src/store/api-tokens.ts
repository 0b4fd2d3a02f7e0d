/**
 * API tokens of web users (`web_api_tokens`): only the SHA-256 of a token is stored; the token
 * itself is made and shown once by src/web/auth/api-tokens.ts. Each function works on one user's
 * tokens (the user of the session or of the token presented).
 */
import type { UserRole } from './users.js';
import { newId, nowIso, type Db } from './util.js';

export interface TokenUser {
  id: string;
  familyId: string;
  username: string;
  role: UserRole;
  instanceAdmin: boolean;
}

export function apiTokensRepository(db: Db) {
  return {
    async insertApiToken(input: { userId: string; name: string; tokenHash: string }): Promise<void> {
      await db
        .insertInto('web_api_tokens')
        .values({
          id: newId(),
          user_id: input.userId,
          name: input.name,
          token_hash: input.tokenHash,
          created_at: nowIso(),
          last_used_at: null,
        })
        .execute();
    },

    listApiTokens(userId: string) {
      return db
        .selectFrom('web_api_tokens')
        .select(['id', 'name', 'created_at', 'last_used_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
    },

    /** Deletes one of the user's own tokens; false when it is not theirs (or does not exist). */
    async deleteApiToken(userId: string, id: string): Promise<boolean> {
      const r = await db
        .deleteFrom('web_api_tokens')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    /**
     * Deletes every token of the user; returns how many. A password change calls it: whatever was
     * issued under the old password (sessions and tokens alike) ends with it.
     */
    async revokeAllApiTokens(userId: string): Promise<number> {
      const r = await db.deleteFrom('web_api_tokens').where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** The user of the token with this hash (its last use noted), or undefined. */
    async useApiToken(tokenHash: string): Promise<TokenUser | undefined> {
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
        .where('web_api_tokens.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return undefined;
      await db
        .updateTable('web_api_tokens')
        .set({ last_used_at: nowIso() })
        .where('token_hash', '=', tokenHash)
        .execute();
      return {
        id: row.id,
        familyId: row.family_id,
        username: row.username,
        role: row.role,
        instanceAdmin: row.instance_admin === 1,
      };
    },
  };
}

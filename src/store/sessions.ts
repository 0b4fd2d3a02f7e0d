/**
 * Web login sessions (`web_sessions`). The store keeps only the SHA-256 of a session cookie; the
 * cookie itself and its expiry rule live with the web's sessions (src/web/auth/sessions.ts).
 */
import type { UserRole } from './users.js';
import type { Db } from './util.js';

export interface StoredSession {
  idHash: string;
  csrfToken: string;
  expiresAt: string;
  user: {
    id: string;
    familyId: string;
    username: string;
    role: UserRole;
    instanceAdmin: boolean;
  };
}

export function sessionsRepository(db: Db) {
  return {
    async insertSession(input: {
      idHash: string;
      userId: string;
      csrfToken: string;
      createdAt: string;
      expiresAt: string;
    }): Promise<void> {
      await db
        .insertInto('web_sessions')
        .values({
          id_hash: input.idHash,
          user_id: input.userId,
          csrf_token: input.csrfToken,
          created_at: input.createdAt,
          expires_at: input.expiresAt,
        })
        .execute();
    },

    /** The session with this hash and its user, expired or not (the caller decides). */
    async findSession(idHash: string): Promise<StoredSession | undefined> {
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
        .where('web_sessions.id_hash', '=', idHash)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        idHash: row.id_hash,
        csrfToken: row.csrf_token,
        expiresAt: row.expires_at,
        user: {
          id: row.id,
          familyId: row.family_id,
          username: row.username,
          role: row.role,
          instanceAdmin: row.instance_admin === 1,
        },
      };
    },

    async deleteSession(idHash: string): Promise<void> {
      await db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
    },

    /** Ends every session of the user except `keepIdHash` (the one changing the password). */
    async deleteOtherSessions(userId: string, keepIdHash: string): Promise<void> {
      await db
        .deleteFrom('web_sessions')
        .where('user_id', '=', userId)
        .where('id_hash', '!=', keepIdHash)
        .execute();
    },
  };
}

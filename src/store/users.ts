/**
 * People who log in to the web application (`web_users`). A user belongs to one family; lookups by
 * a user id the caller holds also take the family id, so another family's user is "not found".
 * Passwords arrive hashed (src/web/auth/passwords.ts): the store never sees one.
 */
import type { Selectable } from 'kysely';
import type { WebUsersTable } from './schema.js';
import { newId, nowIso, type Db } from './util.js';

export type WebUser = Selectable<WebUsersTable>;
export type UserRole = WebUsersTable['role'];

/** User names are compared as typed, without surrounding spaces and case. */
const normalName = (username: string) => username.trim().toLowerCase();

export function usersRepository(db: Db) {
  return {
    async countUsers(): Promise<number> {
      const row = await db
        .selectFrom('web_users')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** User names are unique across the instance (one login page for every family). */
    findUserByName(username: string): Promise<WebUser | undefined> {
      return db
        .selectFrom('web_users')
        .selectAll()
        .where('username', '=', normalName(username))
        .executeTakeFirst();
    },

    async createUser(input: {
      familyId: string;
      username: string;
      passwordHash: string;
      role: UserRole;
      instanceAdmin?: boolean;
    }): Promise<string> {
      const id = newId();
      await db
        .insertInto('web_users')
        .values({
          id,
          family_id: input.familyId,
          username: normalName(input.username),
          password_hash: input.passwordHash,
          role: input.role,
          instance_admin: input.instanceAdmin ? 1 : 0,
          created_at: nowIso(),
        })
        .execute();
      return id;
    },

    listFamilyUsers(familyId: string) {
      return db
        .selectFrom('web_users')
        .select(['id', 'username', 'role', 'created_at'])
        .where('family_id', '=', familyId)
        .orderBy('username')
        .execute();
    },

    async userPasswordHash(familyId: string, userId: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('web_users')
        .select('password_hash')
        .where('id', '=', userId)
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      return row?.password_hash;
    },

    /** False when the user is not one of the family's. */
    async setUserPasswordHash(familyId: string, userId: string, passwordHash: string): Promise<boolean> {
      const r = await db
        .updateTable('web_users')
        .set({ password_hash: passwordHash })
        .where('id', '=', userId)
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

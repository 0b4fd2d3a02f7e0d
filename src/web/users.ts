/**
 * People and families as the web application sees them. Every lookup that takes an id from a
 * request also takes the caller's family id, so another family's rows are simply "not found".
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { familyTimeZone as storedFamilyTimeZone } from '../store/families.js';
import type { Database, WebUsersTable } from '../store/schema.js';
import { hashPassword } from './auth/passwords.js';

export const countUsers = async (db: Kysely<Database>): Promise<number> =>
  Number(
    (
      await db
        .selectFrom('web_users')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

export async function findUserByName(db: Kysely<Database>, username: string) {
  return db
    .selectFrom('web_users')
    .selectAll()
    .where('username', '=', username.trim().toLowerCase())
    .executeTakeFirst();
}

export async function createFamily(db: Kysely<Database>, name: string, timeZone: string): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('families')
    .values({ id, name, time_zone: timeZone, created_at: new Date().toISOString() })
    .execute();
  return id;
}

export async function createUser(
  db: Kysely<Database>,
  input: {
    familyId: string;
    username: string;
    password: string;
    role: WebUsersTable['role'];
    instanceAdmin?: boolean;
  },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('web_users')
    .values({
      id,
      family_id: input.familyId,
      username: input.username.trim().toLowerCase(),
      password_hash: await hashPassword(input.password),
      role: input.role,
      instance_admin: input.instanceAdmin ? 1 : 0,
      created_at: new Date().toISOString(),
    })
    .execute();
  return id;
}

export const listFamilyUsers = (db: Kysely<Database>, familyId: string) =>
  db
    .selectFrom('web_users')
    .select(['id', 'username', 'role', 'created_at'])
    .where('family_id', '=', familyId)
    .orderBy('username')
    .execute();

export const getFamily = (db: Kysely<Database>, familyId: string) =>
  db.selectFrom('families').selectAll().where('id', '=', familyId).executeTakeFirst();

/** The zone the family's dates and times are shown in. */
export const familyTimeZone = async (db: Kysely<Database>, familyId: string): Promise<string> =>
  (await storedFamilyTimeZone(db, familyId)) ?? 'UTC';

export const listFamilies = (db: Kysely<Database>) =>
  db.selectFrom('families').select(['id', 'name', 'created_at']).orderBy('created_at').execute();

export async function setFamilyTimeZone(db: Kysely<Database>, familyId: string, timeZone: string) {
  await db.updateTable('families').set({ time_zone: timeZone }).where('id', '=', familyId).execute();
}

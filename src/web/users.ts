/**
 * People and families as the web application sees them: the password is hashed here, before the
 * store (src/store/users.ts) keeps it; a family's zone falls back to UTC for display.
 */
import type { Repositories, UserRole } from '../store/index.js';
import { hashPassword } from './auth/passwords.js';

export async function createUser(
  store: Pick<Repositories, 'createUser'>,
  input: {
    familyId: string;
    username: string;
    password: string;
    role: UserRole;
    instanceAdmin?: boolean;
  },
): Promise<string> {
  const { password, ...rest } = input;
  return store.createUser({ ...rest, passwordHash: await hashPassword(password) });
}

/** The zone the family's dates and times are shown in. */
export const familyTimeZone = async (
  store: Pick<Repositories, 'familyTimeZone'>,
  familyId: string,
): Promise<string> => (await store.familyTimeZone(familyId)) ?? 'UTC';

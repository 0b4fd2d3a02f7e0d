/** What the Family page shows: the family's people, and how many API tokens a password change revokes. */
import type { WebDeps } from '../../context.js';

export type FamilyData = Awaited<ReturnType<typeof loadFamily>>;

export async function loadFamily(deps: WebDeps, user: { familyId: string; id: string }) {
  const users = await deps.store.listFamilyUsers(user.familyId);
  const tokens = (await deps.store.listApiTokens(user.id)).length;
  return { users, tokens };
}

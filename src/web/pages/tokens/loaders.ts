/** What the API tokens page shows, read for one person. */
import type { WebDeps } from '../../context.js';
import { familyTimeZone } from '../../users.js';

export type TokensData = Awaited<ReturnType<typeof loadTokens>>;

/** The person's tokens, and the family's time zone to show their dates in. */
export async function loadTokens(deps: WebDeps, user: { id: string; familyId: string }) {
  const tokens = await deps.store.listApiTokens(user.id);
  const timeZone = await familyTimeZone(deps.store, user.familyId);
  return { tokens, timeZone };
}

/** What the SimpleFIN page shows, read for one family. */
import type { WebDeps } from '../../context.js';
import { familyTimeZone } from '../../users.js';

export type SimplefinData = Awaited<ReturnType<typeof loadSimplefin>>;

/** The family's tokens, the linked accounts a new one may read, and the family's time zone. */
export async function loadSimplefin(deps: WebDeps, familyId: string) {
  const [tokens, accounts, timeZone] = await Promise.all([
    deps.store.listSimplefinTokens(familyId),
    deps.store.listAccounts(familyId, { linkedOnly: true }),
    familyTimeZone(deps.store, familyId),
  ]);
  return { tokens, accounts, timeZone };
}

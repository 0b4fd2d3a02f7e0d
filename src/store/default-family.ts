/**
 * Command-line mode for one household: with SOPHTRON_USER_ID and SOPHTRON_ACCESS_KEY set, commands
 * work on one default family holding those credentials (sealed), with no web setup. The family is
 * remembered in `meta`, so renaming it or adding others later does not change which one the CLI uses.
 */
import type { Family } from './families.js';
import type { Store } from './index.js';
import { META_CLI_FAMILY, getMeta, setMeta, setMetaIfAbsent } from './meta.js';

export interface DefaultFamilyInput {
  userId: string;
  accessKey: string;
  /** Stored only when it differs from the default, so changing SOPHTRON_BASE_URL later still applies. */
  baseUrl: string | null;
  timeZone: string;
  name?: string;
}

/** Finds or creates the CLI family and stores (or updates) its credentials. */
export async function ensureDefaultFamily(store: Store, input: DefaultFamilyInput): Promise<Family> {
  let family = await findDefaultFamily(store);
  if (family && !(await getMeta(store.db, META_CLI_FAMILY))) {
    // The only family, made on the web: adopt it unless it holds another Sophtron identity,
    // whose credentials the environment must not silently replace.
    const held = await store.describeCredentials(family.id);
    if (held && held.userId !== input.userId) family = undefined;
    else await setMeta(store.db, META_CLI_FAMILY, family.id);
  }
  if (!family) {
    const made = await store.createFamily({ name: input.name ?? 'Household', timeZone: input.timeZone });
    // Two commands started at once may both get here: the first recorded family wins.
    const winner = await setMetaIfAbsent(store.db, META_CLI_FAMILY, made.id);
    const other = winner === made.id ? undefined : await store.getFamily(winner);
    if (other) {
      await store.deleteFamily(made.id);
      family = other;
    } else {
      if (winner !== made.id) await setMeta(store.db, META_CLI_FAMILY, made.id); // it named a deleted family
      family = made;
    }
  }
  const current = await store.getCredentials(family.id);
  if (
    !current ||
    current.userId !== input.userId ||
    current.accessKey !== input.accessKey ||
    current.baseUrl !== input.baseUrl
  ) {
    await store.saveCredentials(family.id, {
      userId: input.userId,
      accessKey: input.accessKey,
      baseUrl: input.baseUrl,
    });
  }
  return family;
}

/** The CLI family: the remembered one, else the only family there is. */
export async function findDefaultFamily(store: Store): Promise<Family | undefined> {
  const id = await getMeta(store.db, META_CLI_FAMILY);
  if (id) {
    const f = await store.getFamily(id);
    if (f) return f;
  }
  const all = await store.listFamilies();
  return all.length === 1 ? all[0] : undefined;
}

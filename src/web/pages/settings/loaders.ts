/** What the Settings page shows, read for one family (never a secret: only whether one is set). */
import type { WebDeps } from '../../context.js';

export type SettingsData = Awaited<ReturnType<typeof loadSettings>>;

export async function loadSettings(deps: WebDeps, familyId: string) {
  const { services, store } = deps;
  const sophtron = await services.sophtron.describe(familyId);
  const firefly = await services.firefly.describe(familyId);
  const family = await store.getFamily(familyId);
  return { sophtron, firefly, family };
}

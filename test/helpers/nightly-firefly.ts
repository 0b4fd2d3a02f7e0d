/**
 * The Schedule page's Firefly III destination as tests set it: an uploaded import configuration
 * ("nightly.json") sending the given Sophtron accounts to new Firefly III asset accounts.
 */
import { setDestination } from '../../src/scheduler/schedules.js';
import type { Store } from '../../src/store/index.js';

export async function setNightlyFirefly(
  store: Store,
  familyId: string,
  accounts: { sophtronId: string; name: string }[],
): Promise<void> {
  await setDestination(store, familyId, 'firefly', {
    enabled: true,
    options: {
      configName: 'nightly.json',
      config: {
        version: 3,
        flow: 'sophtron',
        accounts: Object.fromEntries(accounts.map((a) => [a.sophtronId, 0])),
        new_accounts: Object.fromEntries(
          accounts.map((a) => [a.sophtronId, { name: a.name, type: 'asset', currency: 'USD' }]),
        ),
      },
    },
  });
}

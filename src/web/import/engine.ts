/**
 * An import run, the data importer's way, for the wizard: the steps of
 * src/destinations/firefly/import-run.ts (prepare, deliver, the configuration to take home),
 * which the wizard runs one page at a time.
 */
import type { FireflyClient } from '../../destinations/firefly/client.js';
import type { DeliveryProgress, DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { FidiConfig } from '../../destinations/firefly/fidi-config.js';
import {
  configWithFireflyIds,
  deliverPrepared as deliverPreparedImport,
  type PreparedImport,
} from '../../destinations/firefly/import-run.js';
import type { Store } from '../../store/index.js';

export { prepareImport, type PreparedImport } from '../../destinations/firefly/import-run.js';

export function deliverPrepared(
  store: Store,
  client: FireflyClient,
  familyId: string,
  prepared: PreparedImport,
  options: { concurrency: number; onProgress?: (p: DeliveryProgress) => void },
): Promise<DeliveryResult> {
  return deliverPreparedImport({ store, client }, familyId, prepared, options);
}

export function configToDownload(
  store: Store,
  familyId: string,
  config: FidiConfig,
  ledgerBySophtron: Map<string, string>,
): Promise<string> {
  return configWithFireflyIds(store, familyId, config, ledgerBySophtron);
}

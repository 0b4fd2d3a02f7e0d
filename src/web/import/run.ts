/** One whole import (sync, then delivery) without pages: the JSON API and POST /autoimport. */
import type { DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { FidiConfig } from '../../destinations/firefly/fidi-config.js';
import type { SyncRunResult } from '../../sync/run.js';
import type { WebDeps } from '../context.js';
import { deliverPrepared, prepareImport } from './engine.js';

export interface ImportRunSummary {
  sync: SyncRunResult | null;
  delivery: DeliveryResult;
  warnings: string[];
}

export class ImportRunError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 409 | 502,
  ) {
    super(message);
  }
}

export async function runImportNow(
  deps: WebDeps,
  familyId: string,
  config: FidiConfig,
  options: { sync: boolean; trigger: 'api' | 'import' },
): Promise<ImportRunSummary> {
  const client = await deps.services.firefly.client(familyId);
  if (!client) throw new ImportRunError('Firefly III is not connected for this family (see Settings)', 409);
  const prepared = await prepareImport(deps.store, familyId, config);
  if (prepared.accountIds.length === 0)
    throw new ImportRunError(
      `none of the configuration's accounts is linked here: ${prepared.warnings.join('; ')}`,
      400,
    );
  const sync = options.sync
    ? await deps.services.sync.run(familyId, {
        trigger: options.trigger === 'api' ? 'api' : 'import',
        accountIds: prepared.accountIds,
      })
    : null;
  const delivery = await deliverPrepared(deps.store, client, familyId, prepared, {
    concurrency: deps.config.fireflyConcurrency,
  });
  return { sync, delivery, warnings: [...prepared.warnings, ...delivery.warnings] };
}

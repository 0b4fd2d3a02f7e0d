/** One whole import (sync, then delivery) without pages: the JSON API and POST /autoimport. */
import type { DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { FidiConfig } from '../../destinations/firefly/fidi-config.js';
import { NothingToImportError, runImportConfiguration } from '../../destinations/firefly/import-run.js';
import { SyncLockedError } from '../../sync/lock.js';
import type { SyncRunResult } from '../../sync/run.js';
import type { WebDeps } from '../context.js';

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
  try {
    const r = await runImportConfiguration(
      {
        store: deps.store,
        client,
        sync: options.sync
          ? (id, { accountIds, from, to }) =>
              deps.services.sync.run(id, {
                trigger: options.trigger,
                accountIds,
                ...(from ? { from } : {}),
                to,
              })
          : null,
        concurrency: deps.config.fireflyConcurrency,
      },
      familyId,
      config,
      { trigger: options.trigger, pending: deps.config.fireflyPending },
    );
    return { sync: r.sync, delivery: r.delivery, warnings: r.warnings };
  } catch (err) {
    if (err instanceof NothingToImportError) throw new ImportRunError(err.message, 400);
    // another sync of the family (a worker, the CLI) is running: nothing was done
    if (err instanceof SyncLockedError) throw new ImportRunError(err.message, 409);
    throw err;
  }
}

/** One whole import (sync, then delivery) without pages: the JSON API and POST /autoimport. */
import type { DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { FidiConfig } from '../../destinations/firefly/fidi-config.js';
import { NothingToImportError, runImportConfiguration } from '../../app/import.js';
import { OverBudgetError, type OverBudgetFigures } from '../../scheduler/manual-budget.js';
import { SyncLockedError } from '../../store/family-lock.js';
import type { SyncRunResult } from '../../sync/run.js';
import type { WebDeps } from '../context.js';

export interface ImportRunSummary {
  /** False when the sync failed, an account or a transaction failed, or the delivery stopped early. */
  ok: boolean;
  /** One honest line for a cron log: what the sync and the delivery did. */
  message: string;
  sync: SyncRunResult | null;
  delivery: DeliveryResult;
  warnings: string[];
}

export function describeImport(
  sync: SyncRunResult | null,
  delivery: DeliveryResult,
): { ok: boolean; message: string } {
  const failedAccounts = sync ? sync.accounts.filter((a) => a.outcome === 'failed').length : 0;
  const syncPart = sync
    ? `sync ${sync.outcome}${failedAccounts ? ` (${failedAccounts} of ${sync.accounts.length} accounts failed)` : ''}; `
    : '';
  const kept = delivery.keptEdits ? ` (kept your edit in ${delivery.keptEdits})` : '';
  const counts = `${delivery.created} created, ${delivery.updated} updated${kept}, ${delivery.failed} failed in Firefly III`;
  const ok =
    (sync === null || sync.outcome !== 'failed') &&
    failedAccounts === 0 &&
    delivery.failed === 0 &&
    !delivery.aborted;
  return {
    ok,
    message: `${ok ? 'Imported' : 'Import finished with problems'}: ${syncPart}${counts}${
      delivery.aborted ? `; stopped early: ${delivery.aborted}` : ''
    }.`,
  };
}

export class ImportRunError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 409 | 502,
    /** The figures of an over-budget refusal, for the JSON answer. */
    readonly overBudget?: OverBudgetFigures,
  ) {
    super(message);
  }

  /** The JSON answer: `{"error": …}`, with the figures when the budget refused it. */
  body(): { error: string; overBudget?: OverBudgetFigures } {
    return { error: this.message, ...(this.overBudget ? { overBudget: this.overBudget } : {}) };
  }
}

/** An import refused by the month's budget: 409 with the figures and how to go on. */
export function overBudgetImportError(err: OverBudgetError): ImportRunError {
  return new ImportRunError(`${err.message}; add ?overBudget=true to go on`, 409, err.figures);
}

export async function runImportNow(
  deps: WebDeps,
  familyId: string,
  config: FidiConfig,
  options: { sync: boolean; trigger: 'api' | 'import'; overBudget?: boolean },
): Promise<ImportRunSummary> {
  const client = await deps.services.firefly.client(familyId);
  if (!client) throw new ImportRunError('Firefly III is not connected for this family (see Settings)', 409);
  try {
    const r = await runImportConfiguration(
      {
        store: deps.store,
        client,
        sync: options.sync
          ? (id, { accountIds, from, to, lockHeldBy }) =>
              deps.services.sync.run(id, {
                trigger: options.trigger,
                accountIds,
                ...(from ? { from } : {}),
                to,
                lockHeldBy,
                overBudget: options.overBudget === true,
                partOf: 'import',
              })
          : null,
        concurrency: deps.config.fireflyConcurrency,
      },
      familyId,
      config,
      { trigger: options.trigger, pending: deps.config.fireflyPending },
    );
    return {
      ...describeImport(r.sync, r.delivery),
      sync: r.sync,
      delivery: r.delivery,
      warnings: r.warnings,
    };
  } catch (err) {
    if (err instanceof NothingToImportError) throw new ImportRunError(err.message, 400);
    if (err instanceof OverBudgetError) throw overBudgetImportError(err);
    // another sync of the family (a worker, the CLI) is running: nothing was done
    if (err instanceof SyncLockedError) throw new ImportRunError(err.message, 409);
    throw err;
  }
}

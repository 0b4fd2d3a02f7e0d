/**
 * Running an import configuration (the data importer's FIDI v3 file, flow "sophtron"): resolve
 * the accounts it names, sync them, deliver them into Firefly III. The one implementation behind
 * `sophtron-sync import`, the web wizard, the JSON API, POST /autoimport and scheduled delivery;
 * each of those only adapts its own input and output.
 */
import type { FireflyClient } from '../destinations/firefly/client.js';
import type { DeliveryProgress, DeliveryResult } from '../destinations/firefly/deliver.js';
import type { FidiConfig } from '../destinations/firefly/fidi-config.js';
import {
  deliverPrepared,
  prepareImport,
  type ImportStore,
  type PrepareOptions,
} from '../destinations/firefly/import-run.js';
import type { SyncTrigger } from '../store/schema.js';
import { withFamilySyncLock, type SyncLocks } from '../store/family-lock.js';
import type { SyncEvent, SyncRunResult } from '../sync/run.js';

/** How each caller asks for a sync (its own Sophtron client, lock and usage counting). */
export type ImportSync = (
  familyId: string,
  request: {
    accountIds: string[];
    from?: string;
    to: string;
    trigger: SyncTrigger;
    onEvent: (e: SyncEvent) => void;
    /** The import holds the family's lock for its sync and its delivery: the sync runs under it. */
    lockHeldBy: string;
  },
) => Promise<SyncRunResult>;

export interface ImportRunDeps {
  /** The store's lock functions too: the import holds the family's sync lock. */
  store: ImportStore & SyncLocks;
  client: FireflyClient;
  /** Absent: deliver what the ledger holds (`--no-sync`, or the scheduler, which has just synced). */
  sync?: ImportSync | null;
  concurrency: number;
}

export type ImportEvent =
  { type: 'sync'; event: SyncEvent } | { type: 'delivery'; progress: DeliveryProgress };

export interface ImportRunOptions extends PrepareOptions {
  trigger: SyncTrigger;
  recreateDeleted?: boolean;
  fireflyVersion?: string;
  version?: string;
  onEvent?: (e: ImportEvent) => void;
  /** The caller (the scheduler's tick) already holds the family's lock under this owner. */
  lockHeldBy?: string;
}

/**
 * What a run came to, in the data importer's terms (its exit codes):
 * `nothing_imported` is not a failure — Firefly III already had everything.
 */
export type ImportOutcome = 'ok' | 'aborted' | 'failures' | 'needs_attention' | 'nothing_imported';

export interface ImportResult {
  sync: SyncRunResult | null;
  delivery: DeliveryResult;
  /** The preparation's and the delivery's. */
  warnings: string[];
  ledgerBySophtron: Map<string, string>;
  outcome: ImportOutcome;
}

/** None of the configuration's accounts can be delivered here; `warnings` says why for each. */
export class NothingToImportError extends Error {
  constructor(readonly warnings: string[]) {
    super(
      `none of the configuration's accounts can be imported${warnings.length ? `: ${warnings.join('; ')}` : ''}`,
    );
    this.name = 'NothingToImportError';
  }
}

/**
 * The whole import holds the family's lock once, from before the sync until the delivery is done:
 * another import, sync or delivery of the family meanwhile is refused with SyncLockedError (who holds
 * it, since when), so nothing is sent twice and no sync slips in between.
 */
export function runImportConfiguration(
  deps: ImportRunDeps,
  familyId: string,
  config: FidiConfig,
  options: ImportRunOptions,
): Promise<ImportResult> {
  return withFamilySyncLock(
    deps.store,
    familyId,
    (owner) => runImportLocked(deps, familyId, config, options, owner),
    options.lockHeldBy ? { heldBy: options.lockHeldBy } : {},
  );
}

async function runImportLocked(
  deps: ImportRunDeps,
  familyId: string,
  config: FidiConfig,
  options: ImportRunOptions,
  owner: string,
): Promise<ImportResult> {
  const prepared = await prepareImport(deps.store, familyId, config, options);
  if (prepared.accountIds.length === 0) throw new NothingToImportError(prepared.warnings);
  const { window } = prepared.plan;
  const sync = deps.sync
    ? await deps.sync(familyId, {
        accountIds: prepared.accountIds,
        ...(window.from ? { from: window.from } : {}),
        to: window.to,
        trigger: options.trigger,
        onEvent: (event) => options.onEvent?.({ type: 'sync', event }),
        lockHeldBy: owner,
      })
    : null;
  const delivery = await deliverPrepared({ store: deps.store, client: deps.client }, familyId, prepared, {
    concurrency: deps.concurrency,
    ...(options.recreateDeleted ? { recreateDeleted: true } : {}),
    ...(options.fireflyVersion ? { fireflyVersion: options.fireflyVersion } : {}),
    ...(options.version ? { version: options.version } : {}),
    onProgress: (progress) => options.onEvent?.({ type: 'delivery', progress }),
    lockHeldBy: owner,
  });
  return {
    sync,
    delivery,
    warnings: [...prepared.warnings, ...delivery.warnings],
    ledgerBySophtron: prepared.ledgerBySophtron,
    outcome: importOutcome(sync, delivery),
  };
}

export function importOutcome(sync: SyncRunResult | null, d: DeliveryResult): ImportOutcome {
  if (d.aborted) return 'aborted';
  if (d.failed > 0) return 'failures';
  if (sync?.accounts.some((a) => a.outcome === 'needs_attention')) return 'needs_attention';
  if (d.created + d.updated + d.alreadyThere + d.removed === 0) return 'nothing_imported';
  return 'ok';
}

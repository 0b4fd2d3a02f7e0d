/**
 * Running an import configuration (the data importer's FIDI v3 file, flow "sophtron"): resolve
 * the accounts it names, sync them, deliver them into Firefly III. The one implementation behind
 * `sophtron-sync import`, the web wizard, the JSON API, POST /autoimport and scheduled delivery;
 * each of those only adapts its own input and output.
 */
import type { Kysely } from 'kysely';
import { calendarDateIn } from '../../dates.js';
import type { Store } from '../../store/index.js';
import type { Database, SyncTrigger } from '../../store/schema.js';
import { withFamilySyncLock } from '../../sync/lock.js';
import type { SyncEvent, SyncRunResult } from '../../sync/run.js';
import type { AccountTarget } from './accounts.js';
import type { FireflyClient } from './client.js';
import type { PendingMode } from './convert.js';
import { deliverFamily, type DeliveryProgress, type DeliveryResult } from './deliver.js';
import { importPlan, writeFidiConfig, type FidiConfig, type ImportPlan } from './fidi-config.js';

export interface PreparedImport {
  plan: ImportPlan;
  accountIds: string[];
  targets: Map<string, AccountTarget>;
  /** Sophtron account id → ledger account id. */
  ledgerBySophtron: Map<string, string>;
  warnings: string[];
}

export type ImportStore = Pick<Store, 'db' | 'getFamily' | 'getProviderAccount' | 'linkAccount'>;

export interface PrepareOptions {
  /** Link a Sophtron account the configuration names that has no ledger account yet (the CLI). */
  linkUnlinked?: boolean;
  /** When the configuration does not say (no `pending_transactions` key). */
  pending?: PendingMode;
}

/** Which ledger account goes to which Firefly account; accounts not known here become warnings. */
export async function prepareImport(
  store: ImportStore,
  familyId: string,
  config: FidiConfig,
  options: PrepareOptions = {},
): Promise<PreparedImport> {
  const family = await store.getFamily(familyId);
  const plan = importPlan(
    config,
    calendarDateIn(new Date(), family?.time_zone ?? 'UTC'),
    options.pending ? { pending: options.pending } : {},
  );
  const prepared: PreparedImport = {
    plan,
    accountIds: [],
    targets: new Map(),
    ledgerBySophtron: new Map(),
    warnings: [],
  };
  for (const [sophtronId, target] of plan.targets) {
    const listing = await store.getProviderAccount(familyId, sophtronId);
    if (!listing) {
      prepared.warnings.push(
        `Sophtron account ${sophtronId} is not among this family's connected accounts; skipped`,
      );
      continue;
    }
    let account = listing.account;
    if (!account && options.linkUnlinked) {
      const currency = target.kind === 'new' ? target.currency : undefined;
      account = (await store.linkAccount(familyId, sophtronId, currency ? { currency } : {})).account;
      prepared.warnings.push(
        `linked Sophtron account ${sophtronId} as "${account.name}" (${account.kind}, ${account.currency})`,
      );
    }
    if (!account) {
      prepared.warnings.push(`Sophtron account ${sophtronId} is not linked in this family; skipped`);
      continue;
    }
    prepared.accountIds.push(account.id);
    prepared.targets.set(account.id, target);
    prepared.ledgerBySophtron.set(sophtronId, account.id);
  }
  return prepared;
}

export interface DeliverPreparedOptions {
  concurrency: number;
  recreateDeleted?: boolean;
  /** The version the caller has just checked (not asked again). */
  fireflyVersion?: string;
  /** Ours, for the import tag's %version%. */
  version?: string;
  onProgress?: (p: DeliveryProgress) => void;
  lockHeldBy?: string;
}

/** Delivers the prepared accounts with the configuration's options (tag, rules, mapping, window). */
export function deliverPrepared(
  deps: { db: Kysely<Database>; client: FireflyClient },
  familyId: string,
  prepared: PreparedImport,
  options: DeliverPreparedOptions,
): Promise<DeliveryResult> {
  const { plan } = prepared;
  return deliverFamily(deps, familyId, {
    accountIds: prepared.accountIds,
    targets: prepared.targets,
    pending: plan.pending,
    addImportTag: plan.addImportTag,
    customTag: plan.customTag,
    applyRules: plan.applyRules,
    fireWebhooks: plan.fireWebhooks,
    errorIfDuplicateHash: plan.errorIfDuplicateHash,
    mapping: plan.mapping,
    notBefore: plan.window.from,
    notAfter: plan.window.to,
    concurrency: options.concurrency,
    recreateDeleted: options.recreateDeleted ?? false,
    ...(options.fireflyVersion ? { fireflyVersion: options.fireflyVersion } : {}),
    ...(options.version ? { version: options.version } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.lockHeldBy ? { lockHeldBy: options.lockHeldBy } : {}),
  });
}

/** The configuration to take home: the Firefly ids of the accounts created or chosen, no secrets. */
export async function configWithFireflyIds(
  db: Kysely<Database>,
  familyId: string,
  config: FidiConfig,
  ledgerBySophtron: Map<string, string>,
  version?: string,
): Promise<string> {
  const links = await db
    .selectFrom('firefly_accounts')
    .select(['account_id', 'firefly_account_id'])
    .where('family_id', '=', familyId)
    .execute();
  const byAccount = new Map(links.map((l) => [l.account_id, l.firefly_account_id]));
  const accounts: Record<string, number> = {};
  for (const [sophtronId, accountId] of ledgerBySophtron) {
    const id = Number(byAccount.get(accountId));
    if (Number.isInteger(id) && id > 0) accounts[sophtronId] = id;
  }
  return writeFidiConfig(config, { accounts, ...(version ? { version } : {}) });
}

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
  store: ImportStore;
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
 * What a run came to, in the data importer's terms (its exit codes, firefly-iii.md §4.1):
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
    deps.store.db,
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
  const delivery = await deliverPrepared({ db: deps.store.db, client: deps.client }, familyId, prepared, {
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

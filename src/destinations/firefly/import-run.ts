/**
 * The Firefly III half of an import configuration (the data importer's FIDI v3 file, flow
 * "sophtron"): resolve the accounts it names and deliver them. The whole import (sync, then this)
 * is src/app/import.ts.
 */
import { calendarDateIn } from '../../dates.js';
import type { Store } from '../../store/index.js';
import type { AccountTarget } from './accounts.js';
import type { FireflyClient } from './client.js';
import type { PendingMode } from './convert.js';
import { deliverFamily, type DeliveryProgress, type DeliveryResult, type DeliveryStore } from './deliver.js';
import { importPlan, writeFidiConfig, type FidiConfig, type ImportPlan } from './fidi-config.js';

export interface PreparedImport {
  plan: ImportPlan;
  accountIds: string[];
  targets: Map<string, AccountTarget>;
  /** Sophtron account id → ledger account id. */
  ledgerBySophtron: Map<string, string>;
  warnings: string[];
}

export type ImportStore = DeliveryStore & Pick<Store, 'getProviderAccount' | 'linkAccount'>;

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
  const plan = importPlan(
    config,
    calendarDateIn(new Date(), (await store.familyTimeZone(familyId)) ?? 'UTC'),
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
  deps: { store: DeliveryStore; client: FireflyClient },
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
  store: Pick<Store, 'fireflyAccountLinks'>,
  familyId: string,
  config: FidiConfig,
  ledgerBySophtron: Map<string, string>,
  version?: string,
): Promise<string> {
  const links = await store.fireflyAccountLinks(familyId);
  const accounts: Record<string, number> = {};
  for (const [sophtronId, accountId] of ledgerBySophtron) {
    const id = Number(links.get(accountId)?.firefly_account_id);
    if (Number.isInteger(id) && id > 0) accounts[sophtronId] = id;
  }
  return writeFidiConfig(config, { accounts, ...(version ? { version } : {}) });
}

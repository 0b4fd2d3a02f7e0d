/**
 * An import run, the data importer's way: an import configuration (FIDI v3, flow "sophtron")
 * decides which accounts go where; we sync them from Sophtron, then deliver to Firefly III.
 * Used by the wizard, the JSON API and POST /autoimport.
 */
import { type AccountTarget } from '../../destinations/firefly/accounts.js';
import type { FireflyClient } from '../../destinations/firefly/client.js';
import {
  deliverFamily,
  localDate,
  type DeliveryProgress,
  type DeliveryResult,
} from '../../destinations/firefly/deliver.js';
import {
  importPlan,
  writeFidiConfig,
  type FidiConfig,
  type ImportPlan,
} from '../../destinations/firefly/fidi-config.js';
import type { Store } from '../../store/index.js';

export interface PreparedImport {
  plan: ImportPlan;
  accountIds: string[];
  targets: Map<string, AccountTarget>;
  /** Sophtron account id → ledger account id. */
  ledgerBySophtron: Map<string, string>;
  warnings: string[];
}

export async function prepareImport(
  store: Store,
  familyId: string,
  config: FidiConfig,
): Promise<PreparedImport> {
  const family = await store.getFamily(familyId);
  const plan = importPlan(config, localDate(new Date(), family?.time_zone ?? 'UTC'));
  const warnings: string[] = [];
  const accountIds: string[] = [];
  const targets = new Map<string, AccountTarget>();
  const ledgerBySophtron = new Map<string, string>();
  for (const [sophtronId, target] of plan.targets) {
    const listing = await store.getProviderAccount(familyId, sophtronId);
    if (!listing?.account) {
      warnings.push(`Sophtron account ${sophtronId} is not linked in this family; skipped`);
      continue;
    }
    accountIds.push(listing.account.id);
    targets.set(listing.account.id, target);
    ledgerBySophtron.set(sophtronId, listing.account.id);
  }
  return { plan, accountIds, targets, ledgerBySophtron, warnings };
}

export function deliverPrepared(
  store: Store,
  client: FireflyClient,
  familyId: string,
  prepared: PreparedImport,
  options: { concurrency: number; onProgress?: (p: DeliveryProgress) => void },
): Promise<DeliveryResult> {
  const { plan } = prepared;
  return deliverFamily({ db: store.db, client }, familyId, {
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
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/** The configuration to download: the Firefly ids of accounts created or chosen, no secrets. */
export async function configToDownload(
  store: Store,
  familyId: string,
  config: FidiConfig,
  ledgerBySophtron: Map<string, string>,
): Promise<string> {
  const links = await store.db
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
  return writeFidiConfig(config, { accounts });
}

/** Import wizard state between steps: in the database, bound to the login session that started it. */
import { fidiConfigSchema, type FidiConfig } from '../../destinations/firefly/fidi-config.js';
import type { DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { SyncRunResult } from '../../sync/run.js';
import type { Store } from '../../store/index.js';
import { randomToken } from '../auth/tokens.js';

export interface ImportDraft {
  id: string;
  ownerSession: string;
  familyId: string;
  createdAt: number;
  config: FidiConfig;
  sync: SyncRunResult | null;
  delivery: DeliveryResult | null;
  ledgerBySophtron: Map<string, string>;
  warnings: string[];
}

const TTL_MS = 6 * 3600_000;

export const freshConfig = (): FidiConfig =>
  fidiConfigSchema.parse({
    version: 3,
    flow: 'sophtron',
    date_range: 'partial',
    date_range_number: 30,
    date_range_unit: 'd',
  });

/** What drafts need of the store (its import_drafts repository). */
type DraftStore = Pick<Store, 'saveImportDraft' | 'getImportDraft' | 'pruneImportDrafts'>;

/**
 * Drafts live in the database (import_drafts), so every `serve` process behind one database
 * continues a wizard any of them started, and a restart loses nothing. Handlers that change a
 * draft call `save` before they answer.
 */
export class ImportDrafts {
  async create(
    store: DraftStore,
    owner: { session: string; familyId: string },
    config: FidiConfig,
  ): Promise<ImportDraft> {
    const now = Date.now();
    await store.pruneImportDrafts(owner.familyId, new Date(now - TTL_MS).toISOString());
    const draft: ImportDraft = {
      id: randomToken(),
      ownerSession: owner.session,
      familyId: owner.familyId,
      createdAt: now,
      config,
      sync: null,
      delivery: null,
      ledgerBySophtron: new Map(),
      warnings: [],
    };
    await this.save(store, draft);
    return draft;
  }

  async get(
    store: DraftStore,
    owner: { session: string; familyId: string },
    id: string,
  ): Promise<ImportDraft | undefined> {
    const row = await store.getImportDraft(owner.familyId, id);
    if (!row || row.ownerSession !== owner.session) return undefined;
    if (Date.now() - Date.parse(row.createdAt) > TTL_MS) return undefined;
    const data = JSON.parse(row.data) as StoredData;
    return {
      id: row.id,
      ownerSession: row.ownerSession,
      familyId: owner.familyId,
      createdAt: Date.parse(row.createdAt),
      config: fidiConfigSchema.parse(data.config),
      sync: data.sync,
      delivery: data.delivery,
      ledgerBySophtron: new Map(data.ledgerBySophtron),
      warnings: data.warnings,
    };
  }

  async save(store: DraftStore, d: ImportDraft): Promise<void> {
    const data: StoredData = {
      config: d.config,
      sync: d.sync,
      delivery: d.delivery,
      ledgerBySophtron: [...d.ledgerBySophtron],
      warnings: d.warnings,
    };
    await store.saveImportDraft(d.familyId, {
      id: d.id,
      ownerSession: d.ownerSession,
      createdAt: new Date(d.createdAt).toISOString(),
      data: JSON.stringify(data),
    });
  }
}

/** Written by this module only: the config is parsed again on reading, the rest is our own JSON. */
interface StoredData {
  config: FidiConfig;
  sync: SyncRunResult | null;
  delivery: DeliveryResult | null;
  ledgerBySophtron: [string, string][];
  warnings: string[];
}

/** Import wizard state between steps: in memory, bound to the login session that started it. */
import { fidiConfigSchema, type FidiConfig } from '../../destinations/firefly/fidi-config.js';
import type { DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { SyncRunResult } from '../../sync/run.js';
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

export class ImportDrafts {
  private readonly drafts = new Map<string, ImportDraft>();

  create(owner: { session: string; familyId: string }, config: FidiConfig): ImportDraft {
    const now = Date.now();
    for (const [id, d] of this.drafts) if (now - d.createdAt > TTL_MS) this.drafts.delete(id);
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
    this.drafts.set(draft.id, draft);
    return draft;
  }

  get(id: string, ownerSession: string): ImportDraft | undefined {
    const d = this.drafts.get(id);
    return d && d.ownerSession === ownerSession ? d : undefined;
  }
}

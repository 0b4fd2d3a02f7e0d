/** The import wizard's drafts (migration 0520): stored whole as JSON, read and written by id. */
import type { Db } from './util.js';

export interface StoredImportDraft {
  id: string;
  ownerSession: string;
  createdAt: string;
  data: string;
}

export function importDraftsRepository(db: Db) {
  return {
    async saveImportDraft(familyId: string, draft: StoredImportDraft): Promise<void> {
      const now = new Date().toISOString();
      await db
        .insertInto('import_drafts')
        .values({
          id: draft.id,
          family_id: familyId,
          owner_session: draft.ownerSession,
          created_at: draft.createdAt,
          updated_at: now,
          data: draft.data,
        })
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet({ data: draft.data, updated_at: now })
            .where('import_drafts.family_id', '=', familyId),
        )
        .execute();
    },

    async getImportDraft(familyId: string, id: string): Promise<StoredImportDraft | undefined> {
      const row = await db
        .selectFrom('import_drafts')
        .select(['id', 'owner_session', 'created_at', 'data'])
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        row && { id: row.id, ownerSession: row.owner_session, createdAt: row.created_at, data: row.data }
      );
    },

    /** Drafts started before `before` are forgotten (a wizard left half-way). */
    async pruneImportDrafts(familyId: string, before: string): Promise<number> {
      const r = await db
        .deleteFrom('import_drafts')
        .where('family_id', '=', familyId)
        .where('created_at', '<', before)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

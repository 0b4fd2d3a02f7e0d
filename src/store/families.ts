/** Families (households): the owner of everything else in the ledger. */
import type { Selectable } from 'kysely';
import type { FamiliesTable } from './schema.js';
import { newId, nowIso, type Db } from './util.js';

export type Family = Selectable<FamiliesTable>;

export function familiesRepository(db: Db) {
  const getFamily = (familyId: string): Promise<Family | undefined> =>
    db.selectFrom('families').selectAll().where('id', '=', familyId).executeTakeFirst();

  return {
    async createFamily(input: { name: string; timeZone: string; id?: string }): Promise<Family> {
      const row: Family = {
        id: input.id ?? newId(),
        name: input.name,
        time_zone: input.timeZone,
        created_at: nowIso(),
      };
      await db.insertInto('families').values(row).execute();
      return row;
    },

    getFamily,

    async listFamilies(): Promise<Family[]> {
      return db.selectFrom('families').selectAll().orderBy('created_at').orderBy('id').execute();
    },

    async updateFamily(familyId: string, patch: { name?: string; timeZone?: string }): Promise<boolean> {
      const set: Partial<Family> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
      if (Object.keys(set).length === 0) return (await getFamily(familyId)) !== undefined;
      const r = await db.updateTable('families').set(set).where('id', '=', familyId).executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },

    /** Deletes the family and, through foreign keys, everything it owns. */
    async deleteFamily(familyId: string): Promise<boolean> {
      const r = await db.deleteFrom('families').where('id', '=', familyId).executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
  };
}

/** Families (households): the owner of everything else in the ledger. */
import type { Selectable } from 'kysely';
import type { FamiliesTable } from './schema.js';
import { newId, nowIso, type Db } from './util.js';

export type Family = Selectable<FamiliesTable>;

/**
 * The family's time zone (an IANA name): the one place it is read. A family's days (windows,
 * "today", cron times) are in it; undefined for an unknown family.
 */
export async function familyTimeZone(db: Db, familyId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('families')
    .select('time_zone')
    .where('id', '=', familyId)
    .executeTakeFirst();
  return row?.time_zone;
}

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

    familyTimeZone: (familyId: string) => familyTimeZone(db, familyId),

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

/** The `meta` table: a few facts about this database, by key. */
import type { Db } from './util.js';

export const META_KEY_CHECK = 'secret_key_check';
export const META_CLI_FAMILY = 'cli_family_id';

export async function getMeta(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function setMeta(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Inserts only when absent; returns the stored value (another process may have won the race). */
export async function setMetaIfAbsent(db: Db, key: string, value: string): Promise<string> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await getMeta(db, key)) ?? value;
}

/** Small helpers shared by the repositories (kept inside src/store: dialect details stay here). */
import { randomUUID } from 'node:crypto';
import type { InsertResult, Insertable, Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export const newId = (): string => randomUUID();
export const nowIso = (): string => new Date().toISOString();

/** Whether an insert that skips a taken key (`on conflict do nothing`) wrote its row. */
export const insertedOne = (r: InsertResult): boolean => Number(r.numInsertedOrUpdatedRows ?? 0) === 1;

/** Live web state: rows under an id the caller picks, per family, forgotten by age. */
type LiveStateTable = 'connect_sessions' | 'web_tasks';

/** The columns every live-state row has, which insertLiveState fills. */
type LiveStateKeys = 'id' | 'family_id' | 'started_at' | 'updated_at';

/**
 * Writes a new live-state row of a family, started (and last updated) at `startedAt` (epoch ms);
 * false, writing nothing, when its id is taken.
 */
export async function insertLiveState<T extends LiveStateTable>(
  db: Db,
  table: T,
  familyId: string,
  row: { id: string; startedAt: number },
  fields: Omit<Insertable<Database[T]>, LiveStateKeys>,
): Promise<boolean> {
  const at = new Date(row.startedAt).toISOString();
  const values = { ...fields, id: row.id, family_id: familyId, started_at: at, updated_at: at };
  const r = await db
    .insertInto(table)
    .values(values as Insertable<Database[T]>)
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return insertedOne(r);
}

/** Forgets a family's live-state rows started before `before` (ISO); how many went. */
export async function pruneStartedBefore(
  db: Db,
  table: LiveStateTable,
  familyId: string,
  before: string,
): Promise<number> {
  const r = await db
    .deleteFrom(table)
    .where('family_id', '=', familyId)
    .where('started_at', '<', before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Runs `fn` in a database transaction, joining the caller's when `db` already is one. */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute((trx: Transaction<Database>) => fn(trx));
}

/** An error the store raises for a request it cannot honour; the message is safe to show. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'not_found' | 'conflict' | 'invalid' = 'invalid',
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

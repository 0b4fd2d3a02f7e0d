/**
 * A lock in the database, shared by every process on the same ledger (web server, worker, CLI).
 * Taking it is one atomic upsert: insert, or take over a row whose holder let it expire (a crashed
 * process), or renew our own. A holder renews it (heartbeat) while it works.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export const newOwnerId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export async function acquireLock(
  db: Kysely<Database>,
  name: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  const at = now.toISOString();
  const expires = new Date(now.getTime() + ttlMs).toISOString();
  const result = await db
    .insertInto('scheduler_locks')
    .values({ name, owner, acquired_at: at, expires_at: expires })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ owner, acquired_at: at, expires_at: expires })
        .where((eb) =>
          eb.or([eb('scheduler_locks.expires_at', '<=', at), eb('scheduler_locks.owner', '=', owner)]),
        ),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Extends our hold; false when the lock expired and someone else took it. */
export async function renewLock(
  db: Kysely<Database>,
  name: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('scheduler_locks')
    .set({ expires_at: new Date(now.getTime() + ttlMs).toISOString() })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function releaseLock(db: Kysely<Database>, name: string, owner: string): Promise<void> {
  await db.deleteFrom('scheduler_locks').where('name', '=', name).where('owner', '=', owner).execute();
}

/**
 * Named locks in `scheduler_locks`, shared by every process on the same ledger (web server, worker,
 * CLI). Taking one is a single atomic upsert: insert, take over a row whose holder let it expire (a
 * crashed process), or renew our own. Lock times are wall-clock ISO times, compared across processes.
 * What a lock protects and when to take one over is decided in src/store/family-lock.ts.
 */
import type { Db } from './util.js';

/** Who holds a lock: `owner` is the holder's id (`host:pid:random`, src/store/family-lock.ts). */
export interface LockHolder {
  owner: string;
  acquiredAt: string;
  expiresAt: string;
}

const expiry = (now: Date, ttlMs: number) => new Date(now.getTime() + ttlMs).toISOString();

export function syncLockRepository(db: Db) {
  /** Updates the lock while `holder` holds it; false when it no longer does. */
  async function updateIfHeldBy(
    name: string,
    holder: string,
    set: { owner?: string; acquired_at?: string; expires_at: string },
  ): Promise<boolean> {
    const r = await db
      .updateTable('scheduler_locks')
      .set(set)
      .where('name', '=', name)
      .where('owner', '=', holder)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  return {
    /** Takes the lock when free or expired, or renews it when `owner` holds it; false when held. */
    async acquireLock(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
      const at = now.toISOString();
      const expires = expiry(now, ttlMs);
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
    },

    /** Extends our hold; false when the lock expired and someone else took it. */
    renewLock(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
      return updateIfHeldBy(name, owner, { expires_at: expiry(now, ttlMs) });
    },

    /** Takes a lock from `from`: atomic, false when someone else got there first. */
    takeOverLock(name: string, from: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
      return updateIfHeldBy(name, from, {
        owner,
        acquired_at: now.toISOString(),
        expires_at: expiry(now, ttlMs),
      });
    },

    /** Releases the lock if `owner` still holds it. */
    async releaseLock(name: string, owner: string): Promise<void> {
      await db.deleteFrom('scheduler_locks').where('name', '=', name).where('owner', '=', owner).execute();
    },

    async lockHolder(name: string): Promise<LockHolder | undefined> {
      const row = await db
        .selectFrom('scheduler_locks')
        .select(['owner', 'acquired_at', 'expires_at'])
        .where('name', '=', name)
        .executeTakeFirst();
      return row && { owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
    },
  };
}

export type SyncLockRepository = ReturnType<typeof syncLockRepository>;

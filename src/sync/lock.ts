/**
 * Locks in the database (`scheduler_locks`), shared by every process on the same ledger (web
 * server, worker, CLI). Taking one is a single atomic upsert: insert, take over a row whose holder
 * let it expire (a crashed process), or renew our own. A holder renews it (heartbeat) while it works.
 *
 * Every sync of a family (CLI `sync`, `import`, web "Sync now", the API, the scheduler) holds the
 * family's sync lock, so two never run at once, whichever processes start them.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { SyncRequestError } from './errors.js';

export const newOwnerId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export const familySyncLock = (familyId: string): string => `sync:${familyId}`;

/** How long a holder that stopped renewing (a crashed process) keeps a lock. */
export const SYNC_LOCK_TTL_MS = 5 * 60_000;

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

/** Another sync of the family holds its lock: nothing was done. */
export class SyncLockedError extends SyncRequestError {
  constructor(
    readonly since: string,
    readonly holder: string,
  ) {
    super(
      `a sync of this family is already running since ${since.slice(0, 19).replace('T', ' ')} UTC ` +
        `(${holder.split(':').slice(0, 2).join(' pid ')}); try again when it has finished`,
    );
    this.name = 'SyncLockedError';
  }
}

export interface FamilyLockOptions {
  /** The caller already holds the family's lock under this owner (the scheduler's tick). */
  heldBy?: string;
  ttlMs?: number;
}

/**
 * Runs `work` holding the family's sync lock, renewed while it runs and released after; throws
 * SyncLockedError (naming since when and which host and process) when another sync holds it.
 * Lock times are wall-clock times: they are compared across processes.
 */
export async function withFamilySyncLock<T>(
  db: Kysely<Database>,
  familyId: string,
  work: () => Promise<T>,
  options: FamilyLockOptions = {},
): Promise<T> {
  const name = familySyncLock(familyId);
  const ttlMs = options.ttlMs ?? SYNC_LOCK_TTL_MS;
  if (options.heldBy) {
    const mine = await db
      .selectFrom('scheduler_locks')
      .select('name')
      .where('name', '=', name)
      .where('owner', '=', options.heldBy)
      .executeTakeFirst();
    if (!mine) throw await lockedError(db, name);
    return work();
  }
  const owner = newOwnerId();
  if (!(await acquireLock(db, name, owner, ttlMs, new Date()))) throw await lockedError(db, name);
  const heartbeat = setInterval(
    () => void renewLock(db, name, owner, ttlMs, new Date()).catch(() => undefined),
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await releaseLock(db, name, owner);
  }
}

async function lockedError(db: Kysely<Database>, name: string): Promise<SyncLockedError> {
  const row = await db
    .selectFrom('scheduler_locks')
    .select(['owner', 'acquired_at'])
    .where('name', '=', name)
    .executeTakeFirst();
  return new SyncLockedError(row?.acquired_at ?? new Date().toISOString(), row?.owner ?? 'another process');
}

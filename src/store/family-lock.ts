/**
 * Locks in the database (the store's `scheduler_locks`, ./sync-lock.ts), shared by every
 * process on the same ledger (web server, worker, CLI). A holder renews its lock (heartbeat) while
 * it works; a lock whose holder on this host is gone is taken over at once.
 *
 * Every sync of a family (CLI `sync`, `import`, web "Sync now", the API, the scheduler) and every
 * delivery to Firefly III holds the family's sync lock, so two never run at once, whichever processes
 * start them; an import holds it once for its sync and its delivery.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { SyncRequestError } from '../domain/errors.js';
import type { LockHolder, SyncLockRepository } from './sync-lock.js';

export type { LockHolder } from './sync-lock.js';

/** The store's lock functions (a Store or a StoreTx has them all). */
export type SyncLocks = SyncLockRepository;

export const newOwnerId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export const familySyncLock = (familyId: string): string => `sync:${familyId}`;

/** How long a holder that stopped renewing (a crashed process) keeps a lock. */
export const SYNC_LOCK_TTL_MS = 5 * 60_000;

/** The host and process of a lock owner id (pid null when the owner is not one of ours). */
export function ownerParts(owner: string): { host: string; pid: number | null } {
  const [host = owner, pid] = owner.split(':');
  const n = Number(pid);
  return { host, pid: Number.isInteger(n) && n > 0 ? n : null };
}

/** "worker-box pid 4242": a holder in words. */
export const holderText = (owner: string): string => {
  const { host, pid } = ownerParts(owner);
  return pid === null ? owner : `${host} pid ${pid}`;
};

/** Whether a process of this host exists (EPERM: it exists, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A holder that ran on this host and whose process no longer exists (killed, crashed): its lock
 * protects nothing. Holders on other hosts cannot be checked from here; their lock expires.
 */
export function holderIsGone(holder: LockHolder, host: string = hostname()): boolean {
  const { host: h, pid } = ownerParts(holder.owner);
  return h === host && pid !== null && pid !== process.pid && !processAlive(pid);
}

/**
 * Acquires like acquireLock, and also takes over at once a lock whose holder on this host is gone;
 * returns that holder then (the caller says so), `true` for a plain acquire, false when held.
 */
export async function acquireOrTakeOver(
  locks: SyncLocks,
  name: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<boolean | LockHolder> {
  if (await locks.acquireLock(name, owner, ttlMs, now)) return true;
  const holder = await locks.lockHolder(name);
  if (!holder || !holderIsGone(holder)) return false;
  return (await locks.takeOverLock(name, holder.owner, owner, ttlMs, now)) ? holder : false;
}

/** Releases a lock whoever holds it (`unlock`); returns the holder it had. */
export async function forceReleaseLock(locks: SyncLocks, name: string): Promise<LockHolder | undefined> {
  const holder = await locks.lockHolder(name);
  if (holder) await locks.releaseLock(name, holder.owner);
  return holder;
}

/** Another sync of the family holds its lock: nothing was done. */
export class SyncLockedError extends SyncRequestError {
  constructor(
    readonly since: string,
    readonly holder: string,
  ) {
    super(
      `a sync of this family is already running since ${since.slice(0, 19).replace('T', ' ')} UTC ` +
        `(${holderText(holder)}); try again when it has finished`,
    );
    this.name = 'SyncLockedError';
  }
}

export interface FamilyLockOptions {
  /** The caller already holds the family's lock under this owner (the scheduler's tick). */
  heldBy?: string;
  ttlMs?: number;
  /** Called when the lock was taken over from a holder on this host whose process is gone. */
  onTakeOver?: (previous: LockHolder) => void | Promise<void>;
}

/**
 * Runs `work` holding the family's sync lock, renewed while it runs and released after (`work` gets
 * the owner id, to pass on as `heldBy` to what it runs under the same lock); throws
 * SyncLockedError (naming since when and which host and process) when another sync holds it. A
 * lock left by a process of this host that no longer exists (kill -9) is taken over at once.
 * Lock times are wall-clock times: they are compared across processes.
 */
export async function withFamilySyncLock<T>(
  locks: SyncLocks,
  familyId: string,
  work: (owner: string) => Promise<T>,
  options: FamilyLockOptions = {},
): Promise<T> {
  const name = familySyncLock(familyId);
  const ttlMs = options.ttlMs ?? SYNC_LOCK_TTL_MS;
  if (options.heldBy) {
    const holder = await locks.lockHolder(name);
    if (holder?.owner !== options.heldBy) throw lockedError(holder);
    return work(options.heldBy);
  }
  const owner = newOwnerId();
  const got = await acquireOrTakeOver(locks, name, owner, ttlMs, new Date());
  if (got === false) throw lockedError(await locks.lockHolder(name));
  if (got !== true) await options.onTakeOver?.(got);
  const stopRenewing = keepRenewed(locks, name, owner, ttlMs);
  try {
    return await work(owner);
  } finally {
    stopRenewing();
    await locks.releaseLock(name, owner);
  }
}

/**
 * The heartbeat of a held lock: renewed every third of its time to live (at least every second)
 * until the returned function is called; `onLost` hears of a renewal that found the lock no longer
 * ours. A failed renewal is only skipped: the next one comes well before the lock could expire.
 */
export function keepRenewed(
  locks: SyncLocks,
  name: string,
  owner: string,
  ttlMs: number,
  options: { now?: () => Date; onLost?: () => void } = {},
): () => void {
  const now = options.now ?? (() => new Date());
  const heartbeat = setInterval(
    () =>
      void locks
        .renewLock(name, owner, ttlMs, now())
        .then((ok) => {
          if (!ok) options.onLost?.();
        })
        .catch(() => undefined),
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref();
  return () => clearInterval(heartbeat);
}

function lockedError(holder: LockHolder | undefined): SyncLockedError {
  return new SyncLockedError(
    holder?.acquiredAt ?? new Date().toISOString(),
    holder?.owner ?? 'another process',
  );
}

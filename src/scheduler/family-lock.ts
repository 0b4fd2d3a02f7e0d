/**
 * The family's sync lock as the scheduler holds it (src/store/family-lock.ts): each hold under an owner
 * of its own, renewed by a heartbeat while its work runs, released when it ends.
 */
import { acquireOrTakeOver, familySyncLock, holderText, keepRenewed } from '../store/family-lock.js';
import type { SchedulerContext } from './context.js';

export interface FamilyLocks {
  /** Runs `work` holding the family's sync lock (renewed while it runs); 'locked' when another holds it. */
  under<T>(familyId: string, work: (lockOwner: string) => Promise<T>): Promise<T | 'locked'>;
  /** Releases every lock held now. */
  releaseAll(): Promise<void>;
}

export function createFamilyLocks(ctx: SchedulerContext, owner: string): FamilyLocks {
  const { store, settings, now } = ctx;
  const log = ctx.deps.log;
  /** Locks held now, and under which owner: each hold has its own (jobs of one process run side by side). */
  const held = new Map<string, string>();
  let holds = 0;

  return {
    async under(familyId, work) {
      const name = familySyncLock(familyId);
      // its own owner id: a second job of this process for the family must not count as the holder
      const lockOwner = `${owner}:${++holds}`;
      const got = await acquireOrTakeOver(store, name, lockOwner, settings.lockTtlMs, now());
      if (got === false) return 'locked';
      if (got !== true) {
        log?.warn(
          { familyId, previous: got.owner },
          `took over the sync lock of a process that is gone (${holderText(got.owner)})`,
        );
      }
      held.set(name, lockOwner);
      const stopRenewing = keepRenewed(store, name, lockOwner, settings.lockTtlMs, {
        now,
        onLost: () => log?.error({ familyId }, 'scheduler lost its lock during a sync'),
      });
      try {
        return await work(lockOwner);
      } finally {
        stopRenewing();
        await store.releaseLock(name, lockOwner);
        held.delete(name);
      }
    },
    async releaseAll() {
      for (const [name, lockOwner] of held) await store.releaseLock(name, lockOwner);
      held.clear();
    },
  };
}

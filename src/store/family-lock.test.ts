/**
 * The family lock over a real ledger (through the store): a holder on this host whose process is gone is taken over
 * at once (and the caller hears from whom), a live holder or one on another host is not.
 */
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedgerFixture, type LedgerFixture } from '../../test/fakes/ledger-fixture.js';
import { familySyncLock, holderIsGone, SyncLockedError, withFamilySyncLock } from './family-lock.js';

let fx: LedgerFixture;
beforeEach(async () => {
  fx = await openLedgerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** The pid of a process that has ended (a child run to completion). */
function deadPid(): number {
  const pid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
  expect(holderIsGone({ owner: `${hostname()}:${pid}:x`, acquiredAt: '', expiresAt: '' })).toBe(true);
  return pid;
}

describe('withFamilySyncLock', () => {
  it('takes over at once a lock whose holder on this host is gone, and says whose it was', async () => {
    const dead = `${hostname()}:${deadPid()}:dead`;
    const since = new Date();
    expect(await fx.store.acquireLock(familySyncLock('fam'), dead, 300_000, since)).toBe(true);
    const seen: string[] = [];
    const result = await withFamilySyncLock(fx.store, 'fam', async () => 'ran', {
      onTakeOver: (h) => {
        seen.push(h.owner);
      },
    });
    expect(result).toBe('ran');
    expect(seen).toEqual([dead]);
    expect(await fx.store.lockHolder(familySyncLock('fam'))).toBeUndefined();
  });

  it('still refuses while the holder is alive here or runs on another host', async () => {
    for (const owner of [`${hostname()}:${process.pid}:alive`, 'other-box:1:beef']) {
      expect(await fx.store.acquireLock(familySyncLock('fam'), owner, 300_000, new Date())).toBe(true);
      await expect(withFamilySyncLock(fx.store, 'fam', async () => 'ran')).rejects.toBeInstanceOf(
        SyncLockedError,
      );
      expect((await fx.store.lockHolder(familySyncLock('fam')))?.owner).toBe(owner);
      await fx.store.releaseLock(familySyncLock('fam'), owner);
    }
  });
});

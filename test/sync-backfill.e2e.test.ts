/**
 * A long first sync (a backfill) is read and committed in parts of SOPHTRON_WINDOW_DAYS: the real
 * sandbox over HTTP, the real client, a real SQLite ledger. A backfill stopped half-way keeps what it
 * committed and the next sync resumes where it stopped (fewer Sophtron reads, the same ledger).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { addDays } from '../src/dates.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { syncFamily, type SyncEvent } from '../src/sync/run.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';

const BASE_TIME = new Date('2026-06-15T15:00:00Z');
const START = '2024-06-01';
// A backfill of years: the history limit (SOPHTRON_HISTORY_DAYS, 730 days by default) set wide enough.
const config = loadConfig({
  SOPHTRON_WINDOW_DAYS: '90',
  SYNC_OVERLAP_DAYS: '10',
  SOPHTRON_HISTORY_DAYS: '3660',
  LOG_LEVEL: 'silent',
});
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };

interface World {
  sandbox: RunningSandbox;
  store: Store;
  familyId: string;
  accountId: string;
  sophtronId: string;
  dispose(): Promise<void>;
}
const worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.dispose();
});

async function world(): Promise<World> {
  const sandbox = await startSandbox({ seed: 5, pollsPerStep: 1, bigAccount: false, now: () => BASE_TIME });
  const dir = mkdtempSync(join(tmpdir(), 'ss-backfill-'));
  const store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 3).toString('base64') });
  const family = await store.createFamily({ name: 'Backfill', timeZone: 'UTC' });
  const client = sandboxClient(sandbox);
  const { providerAccounts } = await connectSandboxBank(store, family.id, client, { jobOptions: fastJobs });
  const checking = providerAccounts.find((p) => /checking/i.test(p.name))!;
  const { account } = await store.linkAccount(family.id, checking.id, { startDate: START });
  const w: World = {
    sandbox,
    store,
    familyId: family.id,
    accountId: account.id,
    sophtronId: checking.sophtron_account_id,
    async dispose() {
      await store.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  worlds.push(w);
  return w;
}

const sync = (w: World, extra: Partial<Parameters<typeof syncFamily>[2]> = {}) =>
  syncFamily(
    {
      store: w.store,
      sophtron: sandboxClient(w.sandbox),
      config,
      clock: () => w.sandbox.control.now(),
      jobOptions: fastJobs,
    },
    w.familyId,
    { trigger: 'api', ...extra },
  );

async function ledgerIds(w: World): Promise<string[]> {
  const rows = await w.store.db
    .selectFrom('transactions')
    .select(['provider_transaction_id'])
    .where('account_id', '=', w.accountId)
    .where('status', '!=', 'vanished')
    .execute();
  return rows.map((r) => r.provider_transaction_id).sort();
}

const truthIds = (w: World, through = '9999-12-31') =>
  w.sandbox.control
    .transactions(w.sophtronId)
    .filter((t) => t.date >= START && t.date <= through)
    .map((t) => t.transactionId)
    .sort();

const transactionReads = (w: World) =>
  w.sandbox.control.requestCounts()['Transaction/GetTransactionsByTransactionDate'] ?? 0;

const syncedThrough = async (w: World) => (await w.store.getAccount(w.familyId, w.accountId))!.synced_through;

/** The parts a run wrote, from its progress events. */
const partsOf = (events: SyncEvent[]) =>
  events.flatMap((e) => (e.type === 'account-progress' && e.stage === 'writing' && e.part ? [e.part] : []));

describe('backfill in parts', () => {
  it('commits each read window with the position advanced; a stopped backfill resumes where it stopped', async () => {
    const w = await world();
    const whole = await world();
    const uninterrupted: SyncEvent[] = [];
    expect((await sync(whole, { onEvent: (e) => uninterrupted.push(e) })).outcome).toBe('succeeded');
    const allParts = partsOf(uninterrupted);
    expect(allParts.length).toBeGreaterThanOrEqual(8);
    expect(transactionReads(whole)).toBe(allParts.length);

    // Stop the backfill once its fourth part is being written (a kill after four read windows).
    const stop = new AbortController();
    const events: SyncEvent[] = [];
    await expect(
      sync(w, {
        signal: stop.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'account-progress' && e.stage === 'writing' && e.part?.index === 3) stop.abort();
        },
      }),
    ).rejects.toThrow();
    const done = partsOf(events);
    expect(done).toHaveLength(4);
    expect(done).toEqual(allParts.slice(0, 4));
    expect(transactionReads(w)).toBe(4);
    expect(await syncedThrough(w)).toBe(done[3]!.to);
    // The four committed parts are in the ledger, exactly; nothing after them.
    expect(await ledgerIds(w)).toEqual(truthIds(w, done[3]!.to));

    // The next sync starts at the position (minus the overlap), not at the start of history.
    w.sandbox.control.resetCounts();
    const resumedEvents: SyncEvent[] = [];
    const resumed = await sync(w, { onEvent: (e) => resumedEvents.push(e) });
    expect(resumed.outcome).toBe('succeeded');
    expect(resumed.accounts[0]!.window).toMatchObject({
      from: addDays(done[3]!.to, -10),
      basis: 'since_last_sync',
    });
    expect(transactionReads(w)).toBe(partsOf(resumedEvents).length);
    expect(transactionReads(w)).toBeLessThanOrEqual(allParts.length - 3);
    expect(await ledgerIds(w)).toEqual(truthIds(w));
    expect(await syncedThrough(w)).toBe(allParts.at(-1)!.to);

    // An incremental sync is one part: one read, one database transaction, no part in its events.
    w.sandbox.control.advanceDays(2);
    w.sandbox.control.resetCounts();
    const incremental: SyncEvent[] = [];
    const next = await sync(w, { onEvent: (e) => incremental.push(e) });
    expect(next.outcome).toBe('succeeded');
    expect(transactionReads(w)).toBe(1);
    expect(partsOf(incremental)).toEqual([]);
    expect(await ledgerIds(w)).toEqual(truthIds(w));
  });

  it('counts every part in the run record; parts follow each other without gap or overlap', async () => {
    const w = await world();
    const events: SyncEvent[] = [];
    const run = await sync(w, { onEvent: (e) => events.push(e) });
    expect(run.outcome).toBe('succeeded');
    const parts = partsOf(events);
    expect(parts[0]!.from).toBe(START);
    expect(parts.at(-1)!.to).toBe(run.accounts[0]!.window!.to);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.from).toBe(addDays(parts[i - 1]!.to, 1));
    const ids = await ledgerIds(w);
    expect(ids).toEqual(truthIds(w));
    expect(new Set(ids).size).toBe(ids.length);
    expect(run.accounts[0]!.counts.new).toBe(ids.length);
    const recorded = await w.store.getRun(w.familyId, run.runId);
    expect(recorded?.accounts[0]).toMatchObject({ new_count: ids.length });
  });
});

/**
 * A scheduler in its own process (for the two-process lock test): opens the ledger file given in
 * argv, ticks once at a fixed time, prints what happened as JSON. A sync it runs lasts until the
 * other process has finished its tick (each writes its name in `<log>.ticked` when done), so the
 * other one ticks while this one holds the family's lock, whatever the machine's load.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { createScheduler } from '../../src/scheduler/scheduler.js';

const [file, at, log, owner] = process.argv.slice(2) as [string, string, string, string];
const ticked = `${log}.ticked`;

async function otherHasTicked(): Promise<void> {
  const deadline = Date.now() + 30_000;
  const done = () =>
    existsSync(ticked) &&
    readFileSync(ticked, 'utf8')
      .split('\n')
      .some((name) => name !== '' && name !== owner);
  while (!done()) {
    // Both ran the sync: each waits for the other, and the test fails on this message.
    if (Date.now() > deadline) throw new Error(`${owner}: the other scheduler never finished its tick`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// the parent's key (SECRET_KEY): the ledger was opened with it
const store = await openStore({ dataDir: dirname(file), filename: file, secretKey: process.env.SECRET_KEY });
const scheduler = createScheduler({
  store,
  owner,
  now: () => new Date(at),
  settings: {
    instanceBudget: 10_000,
    callsPerAccount: 8,
    defaultCron: '17 5 * * *',
    minGapMs: 0,
    backoff: { baseMs: 900_000, maxMs: 86_400_000 },
    lockTtlMs: 300_000,
    tickMs: 1000,
  },
  runSync: async (_familyId, { accountIds }) => {
    appendFileSync(log, `${owner} start\n`);
    await otherHasTicked();
    appendFileSync(log, `${owner} end\n`);
    return {
      outcome: 'succeeded',
      accounts: accountIds.map((accountId) => ({ accountId, outcome: 'succeeded' as const })),
    };
  },
});
const ticks = await scheduler.tick();
appendFileSync(ticked, `${owner}\n`);
await store.close();
process.stdout.write(JSON.stringify(ticks.map((t) => t.ran ?? t.decision.action)));

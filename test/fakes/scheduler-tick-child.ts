/**
 * A scheduler in its own process (for the two-process lock test): opens the ledger file given in
 * argv, ticks once at a fixed time with a sync that takes a while, prints what happened as JSON.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { openDatabase } from '../../src/store/database.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { createScheduler } from '../../src/scheduler/scheduler.js';

const [file, at, log, owner] = process.argv.slice(2) as [string, string, string, string];
const opened = await openDatabase({ filename: file });
const scheduler = createScheduler({
  db: opened.db,
  secrets: createSecretBox(randomBytes(32)),
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
    await new Promise((r) => setTimeout(r, 800));
    appendFileSync(log, `${owner} end\n`);
    return {
      outcome: 'succeeded',
      accounts: accountIds.map((accountId) => ({ accountId, outcome: 'succeeded' as const })),
    };
  },
});
const ticks = await scheduler.tick();
await opened.close();
process.stdout.write(JSON.stringify(ticks.map((t) => t.ran ?? t.decision.action)));

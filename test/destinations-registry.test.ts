/**
 * A destination is one registry entry: a third one, registered here and nowhere else, is offered by
 * the Schedule page, set and shown by the command line, and delivered to by the scheduler after a
 * real sync against the sandbox, with no change to any of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { destinations } from '../src/app/destinations.js';
import type { Destination } from '../src/destinations/destination.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { createScheduler } from '../src/scheduler/scheduler.js';
import { setSchedule } from '../src/scheduler/schedules.js';
import { schedulerDepsFor } from '../src/scheduler/wiring.js';
import { runCliInProcess } from './helpers/cli.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';
import { createHarness, setupFirstUser, type Client, type Harness } from './web/harness.js';

/** Appends one line per delivery, naming how many transactions the ledger holds. */
const notebook: Destination<{ file: string }> = {
  name: 'notebook',
  label: 'A notebook file',
  deliveryTitle: 'Delivery to the notebook',
  options: z.object({ file: z.string().min(1, 'file is required') }),
  describe: (o) => (o ? `a line per delivery in ${o.file}` : 'no file set'),
  async deliver(familyId, o, { store }) {
    const n = (await store.db.selectFrom('transactions').select('id').execute()).length;
    await appendFile(o.file, `${familyId}: ${n} transactions\n`);
    return { message: `a line for ${n} transactions` };
  },
  cli: {
    flags: [{ flags: '--notebook <file>', description: 'notebook: the file to write into' }],
    options: (flags) => (typeof flags.notebook === 'string' ? { file: flags.notebook } : undefined),
  },
};

const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };
let unregister: () => void;
let sandbox: RunningSandbox;
let h: Harness;
let web: Client;
let familyId: string;
let cliEnv: Record<string, string | undefined>;

beforeAll(async () => {
  unregister = destinations.register(notebook);
  sandbox = await startSandbox({ seed: 7, pollsPerStep: 1, bigAccount: false });
  h = await createHarness({ env: { SYNC_START_DAYS: '10', SOPHTRON_RETRY_BUDGET_MS: '0' } });
  web = await setupFirstUser(h.app);
  familyId = (await h.store.db.selectFrom('families').select('id').executeTakeFirstOrThrow()).id;
  // The command line works on the only family there is, in the same data folder.
  cliEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: h.dir, LOG_LEVEL: 'silent' };
});

afterAll(async () => {
  unregister?.();
  await h?.close();
  await sandbox?.close();
});

describe('a destination registered in the registry only', () => {
  it('is offered by the page, set by the CLI, and delivered to by the scheduler', async () => {
    const file = join(h.dir, 'notebook.txt');
    expect((await web.page('/schedule')).html).toMatch(
      /<input type="checkbox" name="notebook"\s*\/?>\s*A notebook file/,
    );

    const unknown = await runCliInProcess(['schedule', 'destination', 'pigeon', 'on'], cliEnv);
    expect(unknown.stderr).toBe('error: destination: firefly or files or notebook, not "pigeon"\n');
    const noFile = await runCliInProcess(['schedule', 'destination', 'notebook', 'on'], cliEnv);
    expect(noFile.stderr).toBe('error: notebook file: Invalid input: expected string, received undefined\n');
    const set = await runCliInProcess(
      ['schedule', 'destination', 'notebook', 'on', '--notebook', file],
      cliEnv,
    );
    expect(set).toMatchObject({
      code: 0,
      stdout: `destination notebook: on, a line per delivery in ${file}\n`,
    });
    expect((await runCliInProcess(['schedule', 'show'], cliEnv)).stdout).toContain(
      `destination notebook: on, a line per delivery in ${file}\n`,
    );

    // A real sync from the sandbox (its credentials: the rule's last resort), then the delivery.
    const { providerAccounts } = await connectSandboxBank(h.store, familyId, sandboxClient(sandbox), {
      jobOptions: fastJobs,
    });
    for (const pa of providerAccounts) await h.store.linkAccount(familyId, pa.id);
    const deps = schedulerDepsFor(h.store, h.config, {
      sandbox: { baseUrl: sandbox.baseUrl, ...sandbox.users[0]! },
      syncDeps: { jobOptions: fastJobs },
    });
    const today = new Date().toISOString().slice(0, 10);
    await setSchedule(
      h.store,
      familyId,
      { cron: '17 5 * * *' },
      deps.settings,
      new Date(`${today}T04:00:00Z`),
    );
    const [tick] = await createScheduler({ ...deps, now: () => new Date(`${today}T05:17:30Z`) }).tick();
    expect(tick?.ran, JSON.stringify(tick)).toBe('ran');
    const count = (await h.store.db.selectFrom('transactions').select('id').execute()).length;
    expect(count).toBeGreaterThan(0);
    expect(readFileSync(file, 'utf8')).toBe(`${familyId}: ${count} transactions\n`);
    expect((await web.page('/schedule')).html).toMatch(
      new RegExp(`Last delivery to notebook: [^<]*succeeded: a line for ${count} transactions`),
    );

    // The page's form turns it off and keeps its file.
    await web.post('/schedule/destinations', { formats: 'csv' });
    const row = await h.store.db
      .selectFrom('schedule_destinations')
      .selectAll()
      .where('destination', '=', 'notebook')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ enabled: 0, options: JSON.stringify({ file }) });
  });
});

/**
 * A delivery killed with SIGKILL in the middle (a child process, Firefly answering slowly), then
 * run again: exactly the expected transactions end up in Firefly III, none twice, none lost, and
 * the balances match the bank's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FireflyClient } from '../src/destinations/firefly/client.js';
import { deliverFamily } from '../src/destinations/firefly/deliver.js';
import { openDatabase } from '../src/store/database.js';
import { startFakeFirefly, type FakeFirefly } from './fakes/firefly.js';
import { seedAccount, seedFamily, seedTransaction } from './fakes/ledger-seed.js';
import { storeOver } from './helpers/store-over.js';
import { until } from './helpers/until.js';

let fake: FakeFirefly | null = null;
let dir: string | null = null;
afterEach(async () => {
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('a delivery killed mid-way and run again leaves exactly the expected transactions', async () => {
  dir = mkdtempSync(join(tmpdir(), 'ff-crash-'));
  const file = join(dir, 'ledger.sqlite');
  const seeded = await openDatabase({ filename: file });
  const family = await seedFamily(seeded.db);
  const N = 80;
  let sum = 0;
  const checking = await seedAccount(seeded.db, family, {
    name: 'Checking',
    sophtronAccountId: 'chk',
    balanceMinor: 0,
  });
  for (let i = 0; i < N; i++) {
    const amount = i % 5 === 0 ? 10_000 + i : -(100 + i);
    sum += amount;
    const day = String(1 + (i % 28)).padStart(2, '0');
    await seedTransaction(seeded.db, checking, {
      providerId: `t${i}`,
      amountMinor: amount,
      date: `2026-0${1 + Math.floor(i / 28)}-${day}`,
      merchant: `Shop ${i % 7}`,
    });
  }
  await seeded.db
    .updateTable('balance_snapshots')
    .set({ current_minor: sum + 50_000 })
    .execute();
  await seeded.close();

  // Slow answers, and a pause between storing and answering: the kill lands on requests in flight.
  fake = await startFakeFirefly({ latencyMs: 15, storedAnswerDelayMs: 25 });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fakes/firefly-deliver-child.ts', file, fake.url, fake.token, family],
    {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const running = fake; // the module's `fake` is nullable in closures
  const stored25 = () => running.groups.size >= 25 || child.exitCode !== null;
  await until('25 transactions stored (or the delivery ended)', stored25, { everyMs: 5 });
  expect(fake.groups.size, stderr).toBeGreaterThanOrEqual(25);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const storedAtKill = fake.groups.size;
  expect(storedAtKill).toBeLessThan(N);

  const opened = await openDatabase({ filename: file });
  try {
    const states = await opened.db.selectFrom('firefly_transactions').select('state').execute();
    // Some requests were in flight when the process died.
    expect(states.some((s) => s.state === 'sending')).toBe(true);
    // The killed run's lock, as after SYNC_LOCK_TTL_MS (or a takeover of a dead holder): free again.
    await opened.db.updateTable('scheduler_locks').set({ expires_at: '2000-01-01T00:00:00.000Z' }).execute();
    await until('the requests in flight at the kill to land in the fake', () => running.quiet());
    const client = new FireflyClient({ baseUrl: fake.url, token: fake.token });
    const result = await deliverFamily({ store: storeOver(opened.db), client }, family);
    expect(result.failed).toBe(0);
    const groups = fake.liveGroups();
    expect(groups).toHaveLength(N);
    expect(new Set(groups.map((g) => g.split.externalId)).size).toBe(N);
    expect(result.balances).toHaveLength(1);
    expect(result.balances[0]!.matches).toBe(true);
    const again = await deliverFamily({ store: storeOver(opened.db), client }, family);
    expect(again.created + again.updated + again.alreadyThere).toBe(0);
    expect(fake.liveGroups()).toHaveLength(N);
  } finally {
    await opened.close();
  }
  expect(fake.violations).toEqual([]);
});

/**
 * The scheduler, notifications and exports from the outside: `schedule`, `notify`, `export` on a
 * real ledger file, and two scheduler processes racing for one family's sync.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultFamily } from '../src/store/default-family.js';
import { openStore } from '../src/store/index.js';
import { CSV_HEADER } from '../src/destinations/files/index.js';
import { setSchedule } from '../src/scheduler/schedules.js';
import { familySyncLock } from '../src/store/family-lock.js';
import { seedAccount, seedConnection, seedTransaction } from './fakes/ledger-seed.js';
import { runCliInProcess } from './helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ss-cli-schedule-'));
const env: Record<string, string | undefined> = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  SECRET_KEY: randomBytes(32).toString('base64'),
  SOPHTRON_USER_ID: 'cli-user',
  SOPHTRON_ACCESS_KEY: randomBytes(24).toString('base64'),
  // nothing here talks to Sophtron; a closed local port makes sure nothing could
  SOPHTRON_BASE_URL: 'http://127.0.0.1:1/api',
  LOG_LEVEL: 'silent',
};
let hook: Server;
let hookUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

/** The command in this process (the race below needs processes of their own). */
const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCliInProcess(args, { ...env, ...extraEnv });

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const store = await openStore({ dataDir, secretKey: env.SECRET_KEY });
  try {
    const family = await ensureDefaultFamily(store, {
      userId: env.SOPHTRON_USER_ID!,
      accessKey: env.SOPHTRON_ACCESS_KEY!,
      baseUrl: env.SOPHTRON_BASE_URL!,
      timeZone: 'UTC',
    });
    const conn = await seedConnection(store.db, family.id);
    const acct = await seedAccount(store.db, family.id, conn, { name: 'Checking', balanceMinor: 1000 });
    await seedTransaction(store.db, acct, {
      amountMinor: -1999,
      date: '2026-02-01',
      description: '=cmd|calc',
    });
    await seedTransaction(store.db, acct, { amountMinor: 500, date: '2026-02-02', description: 'Refund' });
  } finally {
    await store.close();
  }
});

afterAll(async () => {
  await new Promise<void>((r) => hook.close(() => r()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sophtron-sync schedule / notify / export', () => {
  it('refuses a schedule over the budget, sets one within it, and shows it', async () => {
    const refused = await cli(['schedule', 'set', '--cron', '0 * * * *'], {
      SOPHTRON_MONTHLY_BUDGET: '1000',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: This schedule needs about 5,848 Sophtron calls a month \(8 calls per sync, from per account default, × 731 runs\): over the monthly budget \(SOPHTRON_MONTHLY_BUDGET\) of 1,000/,
    );
    const ok = await cli(['schedule', 'set', '--cron', '17 5 * * *']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/within the monthly budget/);
    const dest = await cli([
      'schedule',
      'destination',
      'files',
      'on',
      '--folder',
      join(dataDir, 'out'),
      '--format',
      'csv,ofx',
    ]);
    expect(dest.code, dest.stderr).toBe(0);
    writeFileSync(join(dataDir, 'bad.json'), '{"version": 3}');
    const badConfig = await cli([
      'schedule',
      'destination',
      'firefly',
      'on',
      '--config',
      join(dataDir, 'bad.json'),
    ]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/^error: --config .*bad\.json: /);
    writeFileSync(join(dataDir, 'good.json'), '{"version": 3, "flow": "sophtron"}');
    const withConfig = await cli([
      'schedule',
      'destination',
      'firefly',
      'on',
      '--config',
      join(dataDir, 'good.json'),
    ]);
    expect(withConfig.stdout).toBe(
      `destination firefly: on, with the import configuration file ${join(dataDir, 'good.json')}\n`,
    );
    const noConfig = await cli(['schedule', 'destination', 'firefly', 'off', '--no-config']);
    expect(noConfig.stdout).toBe('destination firefly: off, every linked account\n');
    const show = await cli(['schedule', 'show', '--json']);
    const status = JSON.parse(show.stdout);
    expect(status.schedule).toMatchObject({ enabled: true, cron: '17 5 * * *' });
    expect(status.projection).toMatchObject({ callsPerSync: 8, runsPerMonth: 30, projectedCalls: 240 });
    expect(status.destinations.find((d: { destination: string }) => d.destination === 'files')).toMatchObject(
      {
        destination: 'files',
        enabled: true,
        options: { formats: ['csv', 'ofx'] },
      },
    );
  });

  it('adds a webhook with a secret header from the environment and sends a test', async () => {
    const add = await cli(
      ['notify', 'add', 'webhook', '--name', 'hook', '--url', hookUrl, '--header', 'X-Auth: env:HOOK_SECRET'],
      {
        HOOK_SECRET: 'very-secret-header',
      },
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).not.toContain('very-secret-header');
    const test = await cli(['notify', 'test']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/^sent {2}hook/);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['x-auth']).toBe('very-secret-header');
    expect(JSON.parse(received[0]!.body)).toMatchObject({ event: 'test' });
  });

  it('exports CSV to a file', async () => {
    const out = join(dataDir, 'x.csv');
    const r = await cli(['export', '--format', 'csv', '--account', 'checking', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_HEADER]);
    expect(rows.map((x) => [x.amount, x.description])).toEqual([
      ['-19.99', "'=cmd|calc"],
      ['5.00', 'Refund'],
    ]);
  });
});

describe('one sync of a family at a time, whoever starts it', () => {
  it('`sync` refuses while another process holds the family lock, saying since when and where', async () => {
    const store = await openStore({ dataDir, secretKey: env.SECRET_KEY });
    try {
      const familyId = (await store.db.selectFrom('families').select('id').executeTakeFirstOrThrow()).id;
      const runsBefore = (await store.db.selectFrom('sync_runs').select('id').execute()).length;
      const since = new Date();
      expect(await store.acquireLock(familySyncLock(familyId), 'worker-box:4242:beef', 60_000, since)).toBe(
        true,
      );
      const r = await cli(['sync']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: a sync of this family is already running since ${since.toISOString().slice(0, 19).replace('T', ' ')} UTC (worker-box pid 4242); try again when it has finished\n`,
      );
      expect((await store.db.selectFrom('sync_runs').select('id').execute()).length).toBe(runsBefore);
      await store.releaseLock(familySyncLock(familyId), 'worker-box:4242:beef');
      // once it is free, the same command syncs (and fails on the closed Sophtron port, not on the lock)
      const after = await cli(['sync', '--no-refresh'], { SOPHTRON_RETRY_BUDGET_MS: '0' });
      expect(after.stderr).not.toMatch(/already running/);
      expect((await store.db.selectFrom('sync_runs').select('id').execute()).length).toBe(runsBefore + 1);
      expect(await store.db.selectFrom('scheduler_locks').selectAll().execute()).toHaveLength(0);
    } finally {
      await store.close();
    }
  });
});

describe('sophtron-sync worker', () => {
  it('says it needs PostgreSQL when the ledger is SQLite (the scheduler runs inside serve)', async () => {
    const r = await cli(['worker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /worker needs PostgreSQL \(DATABASE_URL=postgres:\/\/…\): with SQLite, scheduled syncs run inside `sophtron-sync serve`/,
    );
  });
});

describe('two scheduler processes on one database file', () => {
  it('only one of them runs the family’s sync', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-two-proc-'));
    try {
      const store = await openStore({ dataDir: dir, secretKey: env.SECRET_KEY });
      const familyId = (
        await ensureDefaultFamily(store, {
          userId: 'u',
          accessKey: env.SOPHTRON_ACCESS_KEY!,
          baseUrl: null,
          timeZone: 'UTC',
        })
      ).id;
      const conn = await seedConnection(store.db, familyId);
      await seedAccount(store.db, familyId, conn);
      const settings = {
        instanceBudget: 10_000,
        callsPerAccount: 8,
        defaultCron: '17 5 * * *',
        minGapMs: 0,
        backoff: { baseMs: 1, maxMs: 1 },
        lockTtlMs: 300_000,
        tickMs: 1000,
      };
      await setSchedule(store, familyId, { cron: '17 5 * * *' }, settings, new Date('2026-03-10T00:00:00Z'));
      const file = store.filename;
      await store.close();
      const log = join(dir, 'runs.log');
      const child = (owner: string) =>
        new Promise<string>((resolve, reject) => {
          const p = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              'test/fakes/scheduler-tick-child.ts',
              file,
              '2026-03-10T05:20:00Z',
              log,
              owner,
            ],
            { cwd: process.cwd(), env: { PATH: process.env.PATH, SECRET_KEY: env.SECRET_KEY } },
          );
          let out = '';
          let err = '';
          p.stdout.on('data', (c: Buffer) => (out += c.toString()));
          p.stderr.on('data', (c: Buffer) => (err += c.toString()));
          p.on('close', (code) =>
            code === 0 ? resolve(out) : reject(new Error(`${owner} exited ${code}: ${err}`)),
          );
        });
      const results = await Promise.all([child('P1'), child('P2')]);
      const outcomes = results.map((r) => (JSON.parse(r) as string[])[0]).sort();
      expect(outcomes.filter((o) => o === 'ran')).toHaveLength(1);
      expect(outcomes.filter((o) => o !== 'ran')[0]).toMatch(/^(locked|no-longer-due|wait)$/);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]!.split(' ')[0]).toBe(lines[1]!.split(' ')[0]);
      expect(readdirSync(dir)).toContain('runs.log');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

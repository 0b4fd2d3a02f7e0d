/**
 * A killed sync does not block the next one: `sync` as a child process is killed with SIGKILL in
 * the middle of a read; the next `sync` takes its lock over at once, says so, and marks the killed
 * run "interrupted". `unlock` shows who holds a lock held elsewhere and releases it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultFamily } from '../src/store/default-family.js';
import { openStore, type Store } from '../src/store/index.js';
import { familySyncLock } from '../src/store/family-lock.js';
import { cliArgs, REPO_ROOT, runCli } from './helpers/cli-process.js';
import { until } from './helpers/until.js';
import { seedAccount, seedConnection } from './fakes/ledger-seed.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ss-sync-lock-'));
const env: Record<string, string | undefined> = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  SECRET_KEY: randomBytes(32).toString('base64'),
  SOPHTRON_USER_ID: 'lock-user',
  SOPHTRON_ACCESS_KEY: randomBytes(24).toString('base64'),
  // A closed port: the re-run fails its reads at once, which is not what these tests look at.
  SOPHTRON_BASE_URL: 'http://127.0.0.1:1/api',
  SOPHTRON_RETRY_BUDGET_MS: '0',
  LOG_LEVEL: 'silent',
};

/** A "Sophtron" that accepts connections and never answers: a sync hangs in its first read. */
let silent: Server;
const sockets: Socket[] = [];
let silentUrl: string;
let store: Store;
let familyId: string;

beforeAll(async () => {
  silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api`;
  store = await openStore({ dataDir, secretKey: env.SECRET_KEY });
  familyId = (
    await ensureDefaultFamily(store, {
      userId: env.SOPHTRON_USER_ID!,
      accessKey: env.SOPHTRON_ACCESS_KEY!,
      baseUrl: env.SOPHTRON_BASE_URL!,
      timeZone: 'UTC',
    })
  ).id;
  await seedAccount(store.db, familyId, await seedConnection(store.db, familyId), { name: 'Checking' });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const runsOf = () =>
  store.db
    .selectFrom('sync_runs')
    .selectAll()
    .where('family_id', '=', familyId)
    .orderBy('started_at')
    .execute();

describe('a killed sync', () => {
  it('does not block the next one: its lock is taken over at once and its run marked interrupted', async () => {
    const child = spawn(process.execPath, cliArgs(['sync', '--no-refresh']), {
      cwd: REPO_ROOT,
      env: { ...env, SOPHTRON_BASE_URL: silentUrl, SOPHTRON_TIMEOUT_MS: '600000' } as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    const killed = await until(
      'the sync to hold the lock and read',
      async () => {
        const run = (await runsOf()).find((r) => r.outcome === 'running');
        const lock = await store.db.selectFrom('scheduler_locks').selectAll().executeTakeFirst();
        return run && lock && sockets.length > 0 ? run : undefined;
      },
      { withinMs: 50_000 },
    );
    child.kill('SIGKILL');
    await exited;

    const again = await runCli(['sync', '--no-refresh'], env);
    expect(again.stderr).not.toMatch(/already running/);
    expect(again.stdout).toMatch(
      new RegExp(`took over the sync lock of a process that is gone \\(.+ pid ${child.pid}, since `),
    );
    const old = (await runsOf()).find((r) => r.id === killed.id)!;
    expect(old.outcome).toBe('interrupted');
    expect(old.finished_at).not.toBeNull();
    expect(old.error).toMatch(new RegExp(`pid ${child.pid}`));
    expect((await runsOf()).filter((r) => r.outcome === 'running')).toEqual([]);
    expect(await store.db.selectFrom('scheduler_locks').selectAll().execute()).toEqual([]);
  });
});

describe('sophtron-sync unlock', () => {
  it('shows who holds a lock held elsewhere, releases it and closes the run it left running', async () => {
    const since = new Date();
    await store.acquireLock(familySyncLock(familyId), 'worker-box:4242:beef', 300_000, since);
    const left = await store.createRun(familyId, 'schedule');

    const r = await runCli(['unlock'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `held by worker-box pid 4242 since ${since.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    );
    expect(r.stdout).toMatch(/^released/m);
    expect(await store.db.selectFrom('scheduler_locks').selectAll().execute()).toEqual([]);
    expect((await runsOf()).find((x) => x.id === left.id)).toMatchObject({ outcome: 'interrupted' });

    const none = await runCli(['unlock'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no sync of this family holds the lock/);
  });

  it('refuses, without --force, a lock whose holder runs on this machine', async () => {
    const { hostname } = await import('node:os');
    const owner = `${hostname()}:${process.pid}:live`;
    await store.acquireLock(familySyncLock(familyId), owner, 300_000, new Date());
    try {
      const r = await runCli(['unlock'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`pid ${process.pid} .*still running.*--force`));
      expect(await store.db.selectFrom('scheduler_locks').selectAll().execute()).toHaveLength(1);
      const forced = await runCli(['unlock', '--force'], env);
      expect(forced.code).toBe(0);
      expect(await store.db.selectFrom('scheduler_locks').selectAll().execute()).toEqual([]);
    } finally {
      await store.db.deleteFrom('scheduler_locks').execute();
    }
  });
});

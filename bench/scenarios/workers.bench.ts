/**
 * PostgreSQL mode's throughput: families synced per minute by 1, 2 and 4 `worker` processes (one job
 * at a time each) against the sandbox answering every call after 200 ms (BENCH_WORKERS_LATENCY_MS),
 * and the scaling ratio. BENCH_WORKERS_FAMILIES families (default 24, two accounts each) become due
 * at once after every worker is ready; the time runs until each has a finished scheduled sync.
 * Needs a PostgreSQL server (BENCH_DATABASE_URL, default the local one). The work is latency-bound
 * (a sync mostly waits for Sophtron), so workers scale even on a machine with few cores. Then the
 * cost of one incremental sync (20 new among BENCH_SYNC_HISTORY stored) on SQLite and PostgreSQL
 * (BENCH_WORKERS_SKIP_INCREMENTAL=1 skips it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../run.js';
import { freshDatabase, postgresReachable } from '../postgres.js';
import { loadConfig } from '../../src/config.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { setSchedule } from '../../src/scheduler/schedules.js';
import { schedulerSettings } from '../../src/scheduler/settings.js';
import { openStore } from '../../src/store/index.js';
import { connectSandboxBank, sandboxClient } from '../../test/helpers/sandbox-family.js';
import { findTestPostgres } from '../../test/helpers/find-postgres.js';
import { longHistory } from './sync.bench.js';

const FAMILIES = Number(process.env.BENCH_WORKERS_FAMILIES ?? 24);
const LATENCY_MS = Number(process.env.BENCH_WORKERS_LATENCY_MS ?? 200);
const root = fileURLToPath(new URL('../../', import.meta.url));
const budget = { SOPHTRON_MONTHLY_BUDGET: '10000000' };

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 100));
}

async function round(
  sandbox: RunningSandbox,
  workers: number,
): Promise<{ ms: number; calls: number; overlap: number; perSyncMs: number }> {
  const database = await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-workers-bench-'));
  const secretKey = randomBytes(32).toString('base64');
  const store = await openStore({ dataDir, databaseUrl: database.url, secretKey });
  const procs: ChildProcess[] = [];
  try {
    const settings = schedulerSettings(loadConfig({ ...budget, LOG_LEVEL: 'silent' }));
    const client = sandboxClient(sandbox);
    sandbox.control.latencyMs = 0;
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (let i = 0; i < FAMILIES; i++) {
      const family = await store.createFamily({ name: `Bench ${i}`, timeZone: 'UTC' });
      const { providerAccounts } = await connectSandboxBank(store, family.id, client);
      for (const pa of providerAccounts.slice(0, 2)) await store.linkAccount(family.id, pa.id);
      // Off until every worker is ready; then one missed slot each: all due at once.
      await setSchedule(store, family.id, { cron: '0 5 * * *', enabled: false }, settings, twoDaysAgo);
    }
    const user = sandbox.users[0]!;
    let ready = 0;
    for (let i = 0; i < workers; i++) {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          DATA_DIR: dataDir,
          DATABASE_URL: database.url,
          SECRET_KEY: secretKey,
          SOPHTRON_USER_ID: user.userId,
          SOPHTRON_ACCESS_KEY: user.accessKey,
          SOPHTRON_BASE_URL: sandbox.baseUrl,
          SOPHTRON_JOB_POLL_MS: '200',
          SCHEDULER_TICK_SECONDS: '1',
          WORKER_POLL_SECONDS: '1',
          LOG_LEVEL: 'warn',
          ...budget,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      p.stdout!.on('data', (c: Buffer) => {
        if (c.toString().includes('worker taking jobs')) ready++;
      });
      procs.push(p);
    }
    await waitFor(async () => ready === workers);
    sandbox.control.latencyMs = LATENCY_MS;
    sandbox.control.resetCounts();
    const t0 = performance.now();
    await store.db.updateTable('schedules').set({ enabled: 1 }).execute();
    await waitFor(async () => {
      const r = await store.db
        .selectFrom('sync_runs')
        .select((eb) => eb.fn.count<number>('family_id').distinct().as('n'))
        .where('trigger', '=', 'schedule')
        .where('outcome', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      return Number(r.n) >= FAMILIES;
    });
    const ms = performance.now() - t0;
    const calls = Object.values(sandbox.control.requestCounts()).reduce((a, b) => a + b, 0);
    // How many syncs really ran side by side (from the runs' start and finish times).
    const runs = await store.db
      .selectFrom('sync_runs')
      .select(['started_at', 'finished_at'])
      .where('trigger', '=', 'schedule')
      .execute();
    const edges = runs.flatMap((r) => [
      { at: r.started_at, d: 1 },
      { at: r.finished_at ?? r.started_at, d: -1 },
    ]);
    edges.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.d - b.d));
    let now = 0;
    let overlap = 0;
    for (const e of edges) overlap = Math.max(overlap, (now += e.d));
    const perSync =
      runs.reduce((n, r) => n + (Date.parse(r.finished_at ?? r.started_at) - Date.parse(r.started_at)), 0) /
      Math.max(1, runs.length);
    return { ms, calls, overlap, perSyncMs: perSync };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.on('close', r)))),
    );
    await store.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult | BenchResult[]> {
  if (!(await postgresReachable())) {
    return { name: 'workers', figures: { skipped: 'no PostgreSQL server (set BENCH_DATABASE_URL)' } };
  }
  const sandbox = await startSandbox({ pollsPerStep: 1, bigAccount: false });
  const figures: Record<string, string | number> = {};
  const perMinute: number[] = [];
  try {
    for (const workers of (process.env.BENCH_WORKERS_COUNTS ?? '1,2,4').split(',').map(Number)) {
      const r = await round(sandbox, workers);
      const rate = (FAMILIES * 60_000) / r.ms;
      perMinute.push(rate);
      figures[`${workers} worker(s)`] =
        `${rate.toFixed(1)} families/min (${FAMILIES} in ${(r.ms / 1000).toFixed(1)} s, ${r.calls} Sophtron calls at ${LATENCY_MS} ms; a sync ${(r.perSyncMs / 1000).toFixed(1)} s, at most ${r.overlap} at once)`;
    }
  } finally {
    await sandbox.close();
  }
  figures['scaling 2 vs 1 worker'] = `${(perMinute[1]! / perMinute[0]!).toFixed(2)}×`;
  figures['scaling 4 vs 1 worker'] = `${(perMinute[2]! / perMinute[0]!).toFixed(2)}×`;
  const results: BenchResult[] = [
    { name: `workers (PostgreSQL, ${FAMILIES} families, sandbox latency ${LATENCY_MS} ms)`, figures },
  ];
  // What one sync costs each engine once the ledger is large: 20 new among BENCH_SYNC_HISTORY.
  if (process.env.BENCH_WORKERS_SKIP_INCREMENTAL !== '1') {
    const { ms: sqliteMs, ...onSqlite } = await longHistory();
    const { ms: postgresMs, ...onPostgres } = await longHistory(
      (await findTestPostgres(process.env)) ?? undefined,
    );
    onPostgres.figures['incremental sync: PostgreSQL / SQLite'] = `${(postgresMs / sqliteMs).toFixed(2)}×`;
    results.push(onSqlite, onPostgres);
  }
  return results;
}

/**
 * The sync engine's cost: wall time, ledger rows read and written, and Sophtron calls.
 * 1. The sandbox's big account (10,000+ transactions): its backfill, a re-read of its whole history
 *    with nothing changed, and an ordinary incremental sync.
 * 2. An account with 100,000 stored transactions and 20 new ones: the sync touches about 20 rows;
 *    on SQLite and, when a server answers (TEST_DATABASE_URL or the local one), on PostgreSQL.
 * 3. A bank login with five accounts at the sandbox's default job timings: wall time of a sync.
 * Everything runs against the sandbox over HTTP and a real database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../run.js';
import { loadConfig } from '../../src/config.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { SophtronClient } from '../../src/sophtron/client.js';
import { jobTiming, refreshConnection } from '../../src/sophtron/connect.js';
import { openStore, type Store } from '../../src/store/index.js';
import { addDays } from '../../src/dates.js';
import { syncFamily, type SyncOptions, type SyncRunResult } from '../../src/sync/run.js';
import { seedHistory } from '../../test/fakes/bulk-ledger.js';
import { findTestPostgres } from '../../test/helpers/find-postgres.js';
import { connectSandboxBank, sandboxClient } from '../../test/helpers/sandbox-family.js';
import { freshDatabase } from '../postgres.js';
import { sql } from 'kysely';

const HISTORY = Number(process.env.BENCH_SYNC_HISTORY ?? 100_000);
const config = loadConfig({ LOG_LEVEL: 'silent' });
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };

interface Setup {
  sandbox: RunningSandbox;
  store: Store;
  client: SophtronClient;
  familyId: string;
  accounts: { id: string; name: string; sophtronId: string }[];
  dispose(): Promise<void>;
}

async function setup(bigAccount: boolean, databaseUrl?: string): Promise<Setup> {
  const sandbox = await startSandbox({ seed: 3, pollsPerStep: 1, bigAccount });
  const dir = mkdtempSync(join(tmpdir(), 'ss-sync-bench-'));
  const store = await openStore({
    dataDir: dir,
    databaseUrl,
    secretKey: Buffer.alloc(32, 9).toString('base64'),
  });
  const family = await store.createFamily({ name: 'Bench', timeZone: 'UTC' });
  const client = sandboxClient(sandbox);
  const { providerAccounts } = await connectSandboxBank(store, family.id, client, { jobOptions: fastJobs });
  const accounts = [];
  for (const pa of providerAccounts) {
    const { account } = await store.linkAccount(family.id, pa.id, {
      startDate: addDays(sandbox.control.today(), -6 * 365),
    });
    accounts.push({ id: account.id, name: account.name, sophtronId: pa.sophtron_account_id });
  }
  return {
    sandbox,
    store,
    client,
    familyId: family.id,
    accounts,
    async dispose() {
      await store.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function timedSync(
  s: Setup,
  options: Omit<SyncOptions, 'trigger'>,
): Promise<{ ms: number; run: SyncRunResult }> {
  const t0 = performance.now();
  const run = await syncFamily(
    {
      store: s.store,
      sophtron: s.client,
      config,
      clock: () => s.sandbox.control.now(),
      jobOptions: fastJobs,
    },
    s.familyId,
    { trigger: 'api', ...options },
  );
  if (run.outcome !== 'succeeded')
    throw new Error(`bench sync ${run.outcome}: ${run.accounts.map((a) => a.error).join('; ')}`);
  return { ms: performance.now() - t0, run };
}

const figures = (label: string, r: { ms: number; run: SyncRunResult }) => {
  const a = r.run.accounts[0]!;
  return {
    [`${label}: wall time (ms)`]: Math.round(r.ms),
    [`${label}: window`]: `${a.window?.from}..${a.window?.to}`,
    [`${label}: new / updated / merged / vanished`]: `${a.counts.new} / ${a.counts.updated} / ${a.counts.merged} / ${a.counts.vanished}`,
    [`${label}: ledger rows read`]: a.rowsRead,
    [`${label}: ledger rows written`]: a.rowsWritten,
    [`${label}: Sophtron calls`]: a.sophtronCalls,
  };
};

async function bigAccount(): Promise<BenchResult> {
  const s = await setup(true);
  try {
    const big = s.accounts.find((a) => a.name === 'High Volume Checking');
    if (!big) throw new Error('the sandbox has no big account');
    const only = { accountIds: [big.id] };
    const backfill = await timedSync(s, only);
    const count = await s.store.countTransactions(s.familyId, big.id);
    const start = backfill.run.accounts[0]!.window!.from;
    const unchangedFull = await timedSync(s, { ...only, from: start, refresh: false });
    const incremental = await timedSync(s, only);
    return {
      name: `sync: big account (${count} transactions)`,
      figures: {
        ...figures('backfill (first sync)', backfill),
        ...figures('unchanged, whole history re-read', unchangedFull),
        ...figures('unchanged, incremental', incremental),
      },
    };
  } finally {
    await s.dispose();
  }
}

/** An incremental sync (20 new) of an account holding HISTORY transactions (also run by bench workers). */
export async function longHistory(postgresAdmin?: string): Promise<BenchResult & { ms: number }> {
  const database = postgresAdmin ? await freshDatabase(postgresAdmin) : undefined;
  const s = await setup(false, database?.url);
  try {
    const checking = s.accounts[0]!;
    const only = { accountIds: [checking.id] };
    const first = await timedSync(s, only);
    // Old history before the account's window: what a years-old ledger holds.
    const oldest = addDays(first.run.accounts[0]!.window!.from, -20);
    const t0 = performance.now();
    await seedHistory(s.store.db, checking.id, HISTORY, oldest);
    const seedMs = performance.now() - t0;
    // PostgreSQL plans from statistics; autovacuum gathers them after such a load: do it now.
    if (s.store.dialect === 'postgres') await sql`analyze transactions`.execute(s.store.db);
    for (let i = 0; i < 20; i++) {
      s.sandbox.control.addTransaction(checking.sophtronId, {
        amountCents: -(1000 + i),
        description: `BENCH NEW ${i}`,
      });
    }
    const twenty = await timedSync(s, only);
    const total = await s.store.countTransactions(s.familyId, checking.id);
    return {
      name: `sync: ${total} stored transactions, 20 new (${s.store.dialect})`,
      figures: { 'seeding the history (ms)': Math.round(seedMs), ...figures('incremental sync', twenty) },
      ms: twenty.ms,
    };
  } finally {
    await s.dispose();
    await database?.drop();
  }
}

/**
 * A bank login with five accounts, synced with nothing new at the sandbox's default job timings and
 * the client's default job polling (SOPHTRON_JOB_POLL_MS, growing): what a person waits for after
 * "Sync now". Issue 14: it should take about one refresh job, not five.
 */
async function fiveAccountLogin(): Promise<BenchResult> {
  // The sandbox's defaults, as `serve` and `sophtron-sync sandbox` run it.
  const sandbox = await startSandbox({
    seed: 3,
    bigAccount: false,
    pollsPerStep: config.sandboxPollsPerStep,
    jobStepMs: config.sandboxJobStepMs,
  });
  const dir = mkdtempSync(join(tmpdir(), 'ss-sync-bench-'));
  const store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 9).toString('base64') });
  try {
    const family = await store.createFamily({ name: 'Bench', timeZone: 'UTC' });
    const client = sandboxClient(sandbox);
    const { providerAccounts, outcome } = await connectSandboxBank(store, family.id, client, {
      jobOptions: fastJobs,
    });
    for (const pa of providerAccounts) await store.linkAccount(family.id, pa.id);
    const deps = { store, sophtron: client, config, clock: () => sandbox.control.now() };
    await syncFamily({ ...deps, jobOptions: fastJobs }, family.id, { trigger: 'api' });
    sandbox.control.resetCounts();
    const t0 = performance.now();
    const run = await syncFamily(deps, family.id, { trigger: 'api' });
    const ms = performance.now() - t0;
    if (run.outcome !== 'succeeded') throw new Error(`bench sync ${run.outcome}`);
    const counts = sandbox.control.requestCounts();
    // The yardstick: one refresh job of this login on its own, polled the same way.
    const j0 = performance.now();
    await refreshConnection(client, outcome.userInstitutionId, jobTiming(config));
    const oneJobMs = performance.now() - j0;
    const jobs = Object.entries(counts)
      .filter(([endpoint]) => /Refresh/i.test(endpoint))
      .reduce((n, [, c]) => n + c, 0);
    return {
      name: `sync: one bank login with ${run.accounts.length} accounts, nothing new, default job timings`,
      figures: {
        'wall time (ms)': Math.round(ms),
        'one refresh job alone (ms)': Math.round(oneJobMs),
        'refresh jobs started': jobs,
        'job polls': counts['Job/GetJobInformationByID'] ?? 0,
        'Sophtron calls': run.sophtronCalls,
      },
    };
  } finally {
    await store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  if (process.env.BENCH_SYNC_ONLY === 'login') return [await fiveAccountLogin()];
  const results: BenchResult[] = [await bigAccount()];
  const { ms: sqliteMs, ...onSqlite } = await longHistory();
  results.push(onSqlite);
  const admin = await findTestPostgres(process.env, (line) => console.log(line.replace('suite', 'bench')));
  if (admin) {
    const { ms: postgresMs, ...onPostgres } = await longHistory(admin);
    onPostgres.figures['incremental sync: PostgreSQL / SQLite'] = `${(postgresMs / sqliteMs).toFixed(2)}×`;
    results.push(onPostgres);
  }
  results.push(await fiveAccountLogin());
  return results;
}

/**
 * A first sync of a long history (the sandbox's high-volume account, from 2021-01-01): peak RSS and
 * wall time of a 90,000- and a 180,000-transaction backfill, read and committed in parts of
 * at most SOPHTRON_WINDOW_DAYS (90) days and about 1,000 transactions. For comparison, the 90,000 one also as a single part (the whole
 * history in memory at once, as before backfills were split). Each sync runs in a child process of
 * its own (its RSS is the sync's only); the sandbox runs here. With BENCH_DATABASE_URL (a
 * postgres:// URL of a server where databases may be created) the same runs go to PostgreSQL too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from '../run.js';
import { daysBetween } from '../../src/dates.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { freshDatabase } from '../postgres.js';

const execFileP = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const source = join(root, 'bench/children/backfill-sync.ts');
// Compiled to one JavaScript file first, so the child's memory is the product's, not a TypeScript loader's.
const child = join(root, 'node_modules/.cache/sophtron-bench/backfill-sync.mjs');

async function compileChild(): Promise<void> {
  await execFileP(join(root, 'node_modules/.bin/esbuild'), [
    source,
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    `--outfile=${child}`,
    '--log-level=warning',
  ]);
}
const sizes = (process.env.BENCH_BACKFILL_SIZES ?? '90000,180000').split(',').map(Number);

interface Figures {
  ms: number;
  peakRssMb: number;
  rssBeforeSyncMb: number;
  transactions: number;
  sophtronCalls: number;
}

async function backfill(target: number, windowDays: number, database: string | null): Promise<Figures> {
  // The account's purchases per day that give about `target` transactions from 2021-01-01 to today.
  const days = daysBetween('2021-01-01', new Date().toISOString().slice(0, 10));
  const sandbox = await startSandbox({ pollsPerStep: 1, bigAccountPurchasesPerDay: target / (days * 0.965) });
  const dir = mkdtempSync(join(tmpdir(), 'ss-backfill-bench-'));
  try {
    const user = sandbox.users[0]!;
    const { stdout } = await execFileP(process.execPath, [child], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dir,
        SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
        SOPHTRON_WINDOW_DAYS: String(windowDays),
        // The history starts 2021-01-01: read all of it, past the default limit (SOPHTRON_HISTORY_DAYS).
        SOPHTRON_HISTORY_DAYS: String(days + 1),
        BENCH_SANDBOX_URL: sandbox.baseUrl,
        BENCH_SANDBOX_USER: user.userId,
        BENCH_SANDBOX_KEY: user.accessKey,
        ...(database ? { DATABASE_URL: database } : {}),
      },
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Figures;
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const line = (f: Figures) =>
  `${f.transactions} transactions, peak RSS ${f.peakRssMb} MB (${f.rssBeforeSyncMb} MB before the sync), ` +
  `${(f.ms / 1000).toFixed(1)} s, ${f.sophtronCalls} Sophtron calls`;

async function engineRun(database: string | null, engine: string): Promise<BenchResult> {
  const figures: Record<string, string | number> = {};
  const peaks: number[] = [];
  for (const size of sizes) {
    const f = await backfill(size, 90, database);
    peaks.push(f.peakRssMb);
    figures[`${engine} ~${size} in parts`] = line(f);
  }
  if (peaks.length >= 2)
    figures[`${engine} peak RSS ratio (history doubled)`] = (peaks[1]! / peaks[0]!).toFixed(2);
  if (!process.env.BENCH_BACKFILL_SKIP_WHOLE) {
    const whole = await backfill(sizes[0]!, 3660, database);
    figures[`${engine} ~${sizes[0]} as one part (before)`] = line(whole);
  }
  return { name: `backfill (${engine})`, figures };
}

export async function run(): Promise<BenchResult[]> {
  await compileChild();
  const results = [await engineRun(null, 'SQLite')];
  if (process.env.BENCH_DATABASE_URL) {
    const db = await freshDatabase();
    try {
      results.push(await engineRun(db.url, 'PostgreSQL'));
    } finally {
      await db.drop();
    }
  }
  return results;
}

/**
 * `db copy`: a SQLite ledger of 100,000 transactions (BENCH_COPY_ROWS) into an empty PostgreSQL
 * database: wall time, rows per second, and each table's count and checksum on both sides (the copy
 * itself refuses to keep a difference). Needs a PostgreSQL server (TEST_DATABASE_URL or the local one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../run.js';
import { copySqliteLedgerToPostgres } from '../../src/store/copy.js';
import { DATABASE_FILE } from '../../src/store/database.js';
import { openStore } from '../../src/store/index.js';
import { seedHistory } from '../../test/fakes/bulk-ledger.js';
import { seedAccount } from '../../test/fakes/ledger-seed.js';
import { findTestPostgres } from '../../test/helpers/find-postgres.js';
import { freshDatabase } from '../postgres.js';

const ROWS = Number(process.env.BENCH_COPY_ROWS ?? 100_000);

export async function run(): Promise<BenchResult[]> {
  const admin = await findTestPostgres(process.env, (line) => console.log(line.replace('suite', 'bench')));
  if (!admin) return [];
  const dir = mkdtempSync(join(tmpdir(), 'ss-copy-bench-'));
  let target: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  try {
    const store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 7).toString('base64') });
    const family = await store.createFamily({ name: 'Bench', timeZone: 'UTC' });
    await store.saveCredentials(family.id, { userId: 'bench', accessKey: 'YmVuY2g=', baseUrl: null });
    const half = Math.floor(ROWS / 2);
    await seedHistory(
      store.db,
      await seedAccount(store.db, family.id, { name: 'Checking' }),
      half,
      '2026-12-01',
    );
    await seedHistory(
      store.db,
      await seedAccount(store.db, family.id, { name: 'Card' }),
      ROWS - half,
      '2026-12-01',
    );
    await store.close();
    target = await freshDatabase(admin);
    const t0 = performance.now();
    const reports = await copySqliteLedgerToPostgres({
      sourceFile: join(dir, DATABASE_FILE),
      targetUrl: target.url,
    });
    const ms = performance.now() - t0;
    const rows = reports.reduce((n, r) => n + r.sourceRows, 0);
    const tx = reports.find((r) => r.table === 'transactions')!;
    return [
      {
        name: `db copy: SQLite → PostgreSQL, ${tx.sourceRows} transactions`,
        figures: {
          'wall time (ms)': Math.round(ms),
          'rows copied (all tables)': rows,
          'rows per second': Math.round(rows / (ms / 1000)),
          'tables (count and checksum equal)': `${reports.length} of ${reports.length}`,
          'transactions: rows SQLite → PostgreSQL': `${tx.sourceRows} → ${tx.targetRows}`,
          'transactions: checksum SQLite / PostgreSQL': `${tx.sourceChecksum.slice(0, 16)} / ${tx.targetChecksum.slice(0, 16)}`,
        },
      },
    ];
  } finally {
    await target?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

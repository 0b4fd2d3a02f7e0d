/**
 * File exports over a large ledger: a full export of 100,000 transactions in each format, and a
 * folder delivery that finds 20 new ones among them (the change_seq cursor reads only those).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchResult } from '../run.js';
import { openDatabase } from '../../src/store/database.js';
import { exportLedger, EXPORT_FORMATS } from '../../src/destinations/files/index.js';
import { deliverToFolder } from '../../src/destinations/files/folder.js';
import { seedAccount, seedConnection, seedFamily, seedTransaction } from '../../test/fakes/ledger-seed.js';
import { storeOver } from '../../test/helpers/store-over.js';

const ROWS = 100_000;

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const opened = await openDatabase({ filename: join(dir, 'db.sqlite') });
  const db = opened.db;
  const store = storeOver(db);
  try {
    const familyId = await seedFamily(db, 'Bench');
    const conn = await seedConnection(db, familyId);
    const account = await seedAccount(db, familyId, conn, { balanceMinor: 123_45 });
    await db.transaction().execute(async (trx) => {
      const batch = [];
      for (let i = 0; i < ROWS; i++) {
        const d = new Date(Date.UTC(2020, 0, 1) + (i % 2000) * 86_400_000).toISOString().slice(0, 10);
        batch.push({
          account_id: account,
          provider_transaction_id: `t${i}`,
          status: 'posted' as const,
          amount_minor: ((i * 7919) % 200_000) - 100_000,
          currency: 'USD',
          date: d,
          transaction_date: d,
          post_date: d,
          description: `Purchase ${i} at a shop, with "quotes", commas`,
          merchant: i % 3 ? 'Shop' : null,
          category: null,
          memo: null,
          check_number: null,
          replaced_pending_id: null,
          first_seen_at: '2026-01-01T00:00:00.000Z',
          last_seen_at: '2026-01-01T00:00:00.000Z',
          last_seen_date: d,
          vanished_at: null,
          change_seq: i + 1,
        });
        if (batch.length === 1000) await trx.insertInto('transactions').values(batch.splice(0)).execute();
      }
      await trx.updateTable('change_counter').set({ value: ROWS }).where('id', '=', 1).execute();
    });
    const figures: Record<string, string | number> = { transactions: ROWS };
    for (const format of EXPORT_FORMATS) {
      const t0 = performance.now();
      const r = await exportLedger(store, familyId, format);
      figures[`${format}: full export ms`] = Math.round(performance.now() - t0);
      figures[`${format}: size MB`] = (Buffer.byteLength(r.content) / 1e6).toFixed(1);
    }
    const folder = join(dir, 'out');
    await deliverToFolder(store, familyId, { folder, formats: ['csv'] });
    for (let i = 0; i < 20; i++)
      await seedTransaction(db, account, { amountMinor: -100, date: '2026-02-01' });
    const t1 = performance.now();
    const d = await deliverToFolder(store, familyId, { folder, formats: ['csv'] });
    figures['folder delivery of 20 new: ms'] = Math.round(performance.now() - t1);
    figures['folder delivery of 20 new: rows written'] = d.transactionCount;
    return { name: 'file exports', figures };
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Delivery into Firefly III: 10,000 new transactions into the Firefly fake answering each request
 * after 20 ms, delivered by Sophtron Sync and by the data importer's request pattern (one
 * transaction at a time: two searches, one POST, one PUT for the import tag; firefly-iii.md §6),
 * then an unchanged re-run. BENCH_FIREFLY_TRANSACTIONS changes the count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../run.js';
import { FireflyClient } from '../../src/destinations/firefly/client.js';
import {
  convertTransaction,
  importTag,
  type ConvertibleTransaction,
  type ConvertOptions,
} from '../../src/destinations/firefly/convert.js';
import { deliverFamily } from '../../src/destinations/firefly/deliver.js';
import { openDatabase } from '../../src/store/database.js';
import { startFakeFirefly } from '../../test/fakes/firefly.js';
import { seedAccount, seedFamily, seedManyTransactions } from '../../test/fakes/ledger-seed.js';

const N = Number(process.env.BENCH_FIREFLY_TRANSACTIONS ?? 10_000);
const LATENCY_MS = 20;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-bench-'));
  const opened = await openDatabase({ filename: join(dir, 'ledger.sqlite') });
  const db = opened.db;
  try {
    const family = await seedFamily(db);
    const account = await seedAccount(db, family, {
      name: 'Checking',
      sophtronAccountId: 'bench',
      balanceMinor: 0,
    });
    const sum = await seedManyTransactions(db, account, N);
    await db
      .updateTable('balance_snapshots')
      .set({ current_minor: sum + 100_000 })
      .execute();

    // --- Sophtron Sync ---
    const ours = await startFakeFirefly({ latencyMs: LATENCY_MS, validate: false });
    const client = new FireflyClient({ baseUrl: ours.url, token: ours.token });
    let t0 = performance.now();
    const first = await deliverFamily({ db, client }, family, { concurrency: 4 });
    const oursMs = performance.now() - t0;
    const oursRequests = ours.log.length;
    const oursTxRequests =
      ours.count(undefined, '/api/v1/transactions') + ours.count(undefined, '/api/v1/search');
    ours.resetLog();
    t0 = performance.now();
    const again = await deliverFamily({ db, client }, family, { concurrency: 4 });
    const rerunMs = performance.now() - t0;
    const rerunRequests = ours.log.map((r) => `${r.method} ${r.path}`);
    const oursGroups = ours.liveGroups().length;
    await ours.stop();

    // --- the data importer's pattern, same history, same fake, same latency ---
    const fidi = await startFakeFirefly({ latencyMs: LATENCY_MS, validate: false });
    const fclient = new FireflyClient({ baseUrl: fidi.url, token: fidi.token });
    const assetId = fidi.addAccount({ name: 'Checking', type: 'asset', currency: 'USD' }).id;
    const rows = (await db
      .selectFrom('transactions')
      .selectAll()
      .orderBy('date')
      .orderBy('id')
      .execute()) as ConvertibleTransaction[];
    const options: ConvertOptions = {
      pending: 'tag',
      importTag: null,
      applyRules: true,
      fireWebhooks: true,
      errorIfDuplicateHash: false,
      timeZone: 'UTC',
      mapping: new Map(),
    };
    const tag = importTag(null, new Date(), 'UTC', 'bench');
    t0 = performance.now();
    for (const r of rows) {
      const conv = convertTransaction(
        r,
        { ledgerAccountId: account, fireflyAccountId: assetId, sophtronAccountId: 'bench' },
        options,
      );
      if (conv.kind !== 'group') continue;
      // `cell` duplicate detection: a search, then the deleted-aware count (a second search here).
      if ((await fclient.findByExternalId(conv.externalId)).length) continue;
      if ((await fclient.findByExternalId(conv.externalId)).length) continue;
      const stored = await fclient.storeTransaction(conv.body);
      if (!('created' in stored)) continue;
      await fclient.updateTransaction(stored.created.groupId, {
        apply_rules: false,
        fire_webhooks: false,
        transactions: [{ transaction_journal_id: stored.created.journalId!, tags: [tag] }],
      });
    }
    const fidiMs = performance.now() - t0;
    const fidiRequests = fidi.log.length;
    const fidiGroups = fidi.liveGroups().length;
    await fidi.stop();

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return [
      {
        name: `firefly: ${N} new transactions, ${LATENCY_MS} ms per request`,
        figures: {
          'sophtron-sync wall time': s(oursMs),
          'sophtron-sync requests': oursRequests,
          'sophtron-sync requests per new transaction': (oursTxRequests / N).toFixed(3),
          'sophtron-sync groups in Firefly': oursGroups,
          'sophtron-sync created': first.created,
          'data importer pattern wall time': s(fidiMs),
          'data importer pattern requests': fidiRequests,
          'data importer pattern requests per transaction': (fidiRequests / N).toFixed(2),
          'data importer pattern groups in Firefly': fidiGroups,
          speedup: `${(fidiMs / oursMs).toFixed(1)}x`,
          'unchanged re-run wall time': `${rerunMs.toFixed(0)} ms`,
          'unchanged re-run requests': `${rerunRequests.length} (${rerunRequests.join(', ')})`,
          'unchanged re-run delivered': again.created + again.updated,
        },
      },
    ];
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

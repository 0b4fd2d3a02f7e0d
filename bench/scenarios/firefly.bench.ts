/**
 * Delivery into Firefly III: 10,000 new transactions into the Firefly fake answering each request
 * after 20 ms, delivered by Sophtron Sync and by the data importer's request pattern (one
 * transaction at a time: two searches, one POST, one PUT for the import tag; firefly-iii.md §6),
 * then an unchanged re-run, then the same count through a busy Firefly (10% 429 with Retry-After 1 s,
 * 5% 500 before and 5% after the write is stored): requests per new transaction (beside the least
 * a client that wastes nothing needs) and wall time of ONE run, which must never store a
 * transaction twice; what it leaves unsettled (a POST lost four times) the next run delivers.
 * BENCH_FIREFLY_TRANSACTIONS changes the count; BENCH_FIREFLY_SKIP_IMPORTER=1 skips the data
 * importer's replay (the slow part: one request at a time); BENCH_FIREFLY_SKIP_FAULTS=1 skips the
 * fault run.
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
import type { Kysely } from 'kysely';
import { openDatabase } from '../../src/store/database.js';
import type { Database } from '../../src/store/schema.js';
import { startFakeFirefly } from '../../test/fakes/firefly.js';
import { seedAccount, seedFamily, seedManyTransactions } from '../../test/fakes/ledger-seed.js';
import { storeOver } from '../../test/helpers/store-over.js';

const N = Number(process.env.BENCH_FIREFLY_TRANSACTIONS ?? 10_000);
const LATENCY_MS = 20;
const SKIP_IMPORTER = process.env.BENCH_FIREFLY_SKIP_IMPORTER === '1';
const SKIP_FAULTS = process.env.BENCH_FIREFLY_SKIP_FAULTS === '1';

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-bench-'));
  const opened = await openDatabase({ filename: join(dir, 'ledger.sqlite') });
  const db = opened.db;
  try {
    const { family, account } = await seedBenchAccount(db, 'bench');

    // --- Sophtron Sync ---
    const ours = await startFakeFirefly({ latencyMs: LATENCY_MS, validate: false });
    const client = new FireflyClient({ baseUrl: ours.url, token: ours.token });
    let t0 = performance.now();
    const first = await deliverFamily({ store: storeOver(db), client }, family, { concurrency: 4 });
    const oursMs = performance.now() - t0;
    const oursRequests = ours.log.length;
    const oursTxRequests =
      ours.count(undefined, '/api/v1/transactions') + ours.count(undefined, '/api/v1/search');
    ours.resetLog();
    t0 = performance.now();
    const again = await deliverFamily({ store: storeOver(db), client }, family, { concurrency: 4 });
    const rerunMs = performance.now() - t0;
    const rerunRequests = ours.log.map((r) => `${r.method} ${r.path}`);
    const oursGroups = ours.liveGroups().length;
    await ours.stop();

    const faults = SKIP_FAULTS ? null : await faultRun(db);
    const fidi = SKIP_IMPORTER ? null : await importerReplay(db, account);

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
          ...(fidi
            ? {
                'data importer pattern wall time': s(fidi.ms),
                'data importer pattern requests': fidi.requests,
                'data importer pattern requests per transaction': (fidi.requests / N).toFixed(2),
                'data importer pattern groups in Firefly': fidi.groups,
                speedup: `${(fidi.ms / oursMs).toFixed(1)}x`,
              }
            : { 'data importer pattern': 'skipped (BENCH_FIREFLY_SKIP_IMPORTER=1)' }),
          'unchanged re-run wall time': `${rerunMs.toFixed(0)} ms`,
          'unchanged re-run requests': `${rerunRequests.length} (${rerunRequests.join(', ')})`,
          'unchanged re-run delivered': again.created + again.updated,
          ...(faults
            ? {
                'fault mix: one run wall time': s(faults.ms),
                'fault mix: requests per new transaction': (faults.txRequests / N).toFixed(3),
                'fault mix: of which POSTs / searches': `${(faults.posts / N).toFixed(3)} / ${(faults.searches / N).toFixed(3)}`,
                'fault mix: least possible without waste': FAULT_FLOOR.toFixed(3),
                'fault mix: faults injected (429 / 500 before / 500 after)': faults.injected,
                'fault mix: exact (each once, none failed, outcome)': faults.exact,
                'fault mix: why some failed': faults.reasons,
                'fault mix: the next run (same faults)': faults.nextRun,
              }
            : { 'fault mix': 'skipped (BENCH_FIREFLY_SKIP_FAULTS=1)' }),
        },
      },
    ];
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A family with one checking account holding N new transactions, its balance 1000.00 above their sum. */
async function seedBenchAccount(db: Kysely<Database>, sophtronAccountId: string) {
  const family = await seedFamily(db);
  const account = await seedAccount(db, family, { name: 'Checking', sophtronAccountId, balanceMinor: 0 });
  const sum = await seedManyTransactions(db, account, N);
  await db
    .updateTable('balance_snapshots')
    .set({ current_minor: sum + 100_000 })
    .where('account_id', '=', account)
    .execute();
  return { family, account };
}

/**
 * The requests per new transaction a client that wastes nothing needs at this fault mix: a POST
 * answered 429 or 500 before the write is sent again (429: at once after Retry-After; 500: after a
 * search finds nothing), one answered 500 after the write costs a search that finds it. Searches
 * roll the same die (429 or 500 before: 15%). Per transaction E = 1 + 0.10 E + 0.05 (S + E) + 0.05 S
 * with S = 1 / 0.85, so E = (1 + 0.1 S) / 0.85.
 */
const FAULTS = { rate429: 0.1, retryAfterSeconds: 1, rate5xxBefore: 0.05, rate5xxAfter: 0.05, seed: 3 };
const SEARCH_COST = 1 / (1 - FAULTS.rate429 - FAULTS.rate5xxBefore);
const FAULT_FLOOR =
  (1 + (FAULTS.rate5xxBefore + FAULTS.rate5xxAfter) * SEARCH_COST) /
  (1 - FAULTS.rate429 - FAULTS.rate5xxBefore);

/** ONE delivery of N new transactions through a busy Firefly: 429s with Retry-After, 5xx before and after writes. */
async function faultRun(db: Kysely<Database>) {
  const { family } = await seedBenchAccount(db, 'bench-faults');
  const fake = await startFakeFirefly({ latencyMs: LATENCY_MS, validate: false });
  fake.setFaults(FAULTS);
  const client = new FireflyClient({ baseUrl: fake.url, token: fake.token });
  const t0 = performance.now();
  const r = await deliverFamily({ store: storeOver(db), client }, family, { concurrency: 4 });
  const ms = performance.now() - t0;
  const posts = fake.count('POST', '/api/v1/transactions');
  const searches = fake.count(undefined, '/api/v1/search');
  const txRequests = fake.count(undefined, '/api/v1/transactions') + searches;
  const ids = fake.liveGroups().map((g) => g.split.externalId);
  const exact = new Set(ids).size === N && ids.length === N && r.failed === 0 && !r.aborted;
  const { rateLimited, failedBefore, failedAfter } = fake.injected;
  const reasons = [...new Set(r.errors.map((e) => e.message))].join(' | ') || 'none';
  // What one run could not settle stays for the next run (a 'sending' row is searched first).
  const next =
    r.failed > 0 ? await deliverFamily({ store: storeOver(db), client }, family, { concurrency: 4 }) : null;
  const after = fake.liveGroups().map((g) => g.split.externalId);
  await fake.stop();
  return {
    ms,
    txRequests,
    posts,
    searches,
    injected: `${rateLimited} / ${failedBefore} / ${failedAfter}`,
    exact: `${exact ? 'yes' : 'NO'} (${ids.length} groups, ${new Set(ids).size} distinct, ${r.failed} failed${r.aborted ? `, stopped: ${r.aborted}` : ''})`,
    reasons,
    nextRun: next
      ? `${after.length} groups, ${new Set(after).size} distinct, ${next.created} created, ${next.failed} failed`
      : 'not needed',
  };
}

/** The data importer's pattern, same history, same fake, same latency. */
async function importerReplay(db: Kysely<Database>, account: string) {
  {
    let t0 = 0;
    const fidi = await startFakeFirefly({ latencyMs: LATENCY_MS, validate: false });
    const fclient = new FireflyClient({ baseUrl: fidi.url, token: fidi.token });
    const assetId = fidi.addAccount({ name: 'Checking', type: 'asset', currency: 'USD' }).id;
    const rows = (await db
      .selectFrom('transactions')
      .selectAll()
      .where('account_id', '=', account)
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
    const ms = performance.now() - t0;
    const requests = fidi.log.length;
    const groups = fidi.liveGroups().length;
    await fidi.stop();
    return { ms, requests, groups };
  }
}

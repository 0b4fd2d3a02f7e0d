/**
 * SimpleFIN `GET /accounts` over real HTTP (the router on @hono/node-server, a real SQLite
 * ledger): 5 accounts × a 90-day window, and 1 account × 10 years, each account holding a
 * 13,000-row, ten-year history. Figures: time, size, and the server process's peak heap and RSS
 * growth while answering (the answer is streamed a page at a time, never built whole).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { listen } from '../../src/http/listen.js';
import { Hono } from 'hono';
import type { BenchResult } from '../run.js';
import { createLogger } from '../../src/log.js';
import { createSetupToken } from '../../src/simplefin/index.js';
import { createSimplefinServer } from '../../src/simplefin/server.js';
import { openStore } from '../../src/store/index.js';
import { seedAccount, seedConnection, seedFamily } from '../../test/fakes/ledger-seed.js';

const HISTORY_ROWS = 13_000;
const YEARS = 10;
const END = '2026-11-30';

async function seedHistory(store: Awaited<ReturnType<typeof openStore>>, accountId: string, salt: number) {
  const end = Date.parse(`${END}T00:00:00Z`);
  const days = YEARS * 365;
  for (let i = 0; i < HISTORY_ROWS; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(HISTORY_ROWS, i + 1000); j++) {
      const date = new Date(end - Math.floor(((HISTORY_ROWS - 1 - j) * days) / HISTORY_ROWS) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const amount = j % 9 === 0 ? 180_000 + j : -(500 + ((j * 37 + salt) % 25_000));
      batch.push({
        account_id: accountId,
        provider_transaction_id: `b${salt}-${j}`,
        status: j > HISTORY_ROWS - 6 ? ('pending' as const) : ('posted' as const),
        amount_minor: amount,
        currency: 'USD',
        date,
        transaction_date: date,
        post_date: j > HISTORY_ROWS - 6 ? null : date,
        description: amount > 0 ? `PAYROLL ACME CORP ${j}` : `POS PURCHASE STORE #${j % 400} SPRINGFIELD`,
        merchant: amount > 0 ? 'Acme Corp' : `Store ${j % 400}`,
        category: j % 3 === 0 ? 'Groceries' : null,
        memo: null,
        check_number: null,
        replaced_pending_id: null,
        first_seen_at: '2026-11-30T00:00:00.000Z',
        last_seen_at: '2026-11-30T00:00:00.000Z',
        last_seen_date: date,
        vanished_at: null,
        change_seq: salt * HISTORY_ROWS + j + 1,
      });
    }
    await store.db.insertInto('transactions').values(batch).execute();
  }
}

/** Reads the whole answer chunk by chunk (keeping none), sampling this process's memory meanwhile. */
async function measure(url: string, authorization: string) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 2);
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization } });
  const reader = res.body!.getReader();
  let bytes = 0;
  let firstByteMs = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) firstByteMs = performance.now() - t0;
    bytes += value.byteLength;
  }
  const ms = performance.now() - t0;
  clearInterval(sample);
  return {
    status: res.status,
    ms,
    firstByteMs,
    bytes,
    heapMb: (peakHeap - base.heapUsed) / 1e6,
    rssMb: (peakRss - base.rss) / 1e6,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-simplefin-'));
  const store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 9).toString('base64') });
  const app = new Hono().route(
    '/simplefin',
    createSimplefinServer({
      store,
      logger: createLogger('silent'),
      rateLimitPerHour: 1_000_000,
      createPage: '/',
    }),
  );
  const { server, address } = await listen(app.fetch, { port: 0, host: '127.0.0.1' });
  const root = `http://127.0.0.1:${address.port}`;
  try {
    const family = await seedFamily(store.db, 'Bench');
    const bank = await seedConnection(store.db, family, { institutionName: 'Bench Bank' });
    const accounts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await seedAccount(store.db, family, bank, {
        name: `Account ${i + 1}`,
        balanceMinor: 100_000 * (i + 1),
      });
      await seedHistory(store, id, i);
      accounts.push(id);
    }
    const created = await createSetupToken(store, family, {
      name: 'bench',
      accountIds: accounts,
      baseUrl: root,
    });
    const claim = await fetch(Buffer.from(created.setupToken, 'base64').toString(), { method: 'POST' });
    const access = new URL(await claim.text());
    const authorization = `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}`;
    const noon = (d: string) => Date.parse(`${d}T12:00:00Z`) / 1000;
    const cases = {
      '5 accounts × 90 days': `start-date=${noon('2026-09-01')}&end-date=${noon('2026-12-01')}&pending=1`,
      '1 account × 10 years': `start-date=0&pending=1&account=${accounts[0]}`,
    };
    const figures: Record<string, string | number> = {
      'ledger rows': HISTORY_ROWS * accounts.length,
      'history per account': `${HISTORY_ROWS} rows over ${YEARS} years`,
    };
    for (const [name, query] of Object.entries(cases)) {
      const url = `${root}/simplefin/accounts?${query}`;
      const parsed = (await (await fetch(url, { headers: { authorization } })).json()) as {
        accounts: { transactions: unknown[] }[];
      };
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(await measure(url, authorization));
      if (runs.some((r) => r.status !== 200)) throw new Error(`${name}: status ${runs.map((r) => r.status)}`);
      figures[`${name}: transactions served`] = parsed.accounts.reduce(
        (n, a) => n + a.transactions.length,
        0,
      );
      figures[`${name}: ms (median of 5)`] = Math.round(median(runs.map((r) => r.ms)));
      figures[`${name}: first byte ms`] = Math.round(median(runs.map((r) => r.firstByteMs)));
      figures[`${name}: size MB`] = (runs[0]!.bytes / 1e6).toFixed(2);
      figures[`${name}: peak heap growth MB`] = Math.max(...runs.map((r) => r.heapMb)).toFixed(1);
      figures[`${name}: peak RSS growth MB`] = Math.max(...runs.map((r) => r.rssMb)).toFixed(1);
    }
    figures['process peak RSS MB'] = (process.memoryUsage().rss / 1e6).toFixed(0);
    return { name: 'SimpleFIN GET /accounts', figures };
  } finally {
    await new Promise((r) => server.close(r));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

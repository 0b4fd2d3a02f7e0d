/**
 * The Sophtron client's own cost: a multi-year backfill of the sandbox's biggest account (10,000+
 * transactions) read in SOPHTRON_WINDOW_DAYS windows, parsed, deduplicated; then the same with 10%
 * of the calls answered 429/503 (retried within the budget). Figures: calls, rows, time, rows/s.
 */
import type { BenchResult } from '../run.js';
import { NO_MFA_BANK_ID, startSandbox } from '../../src/sandbox/index.js';
import { createSophtronClient } from '../../src/sophtron/client.js';
import { connectBank } from '../../src/sophtron/connect.js';

export async function run(): Promise<BenchResult[]> {
  const sb = await startSandbox({ pollsPerStep: 1, seed: 5 });
  const out: BenchResult[] = [];
  try {
    const user = sb.users[0]!;
    const make = () =>
      createSophtronClient({
        userId: user.userId,
        accessKey: user.accessKey,
        baseUrl: sb.baseUrl,
        windowDays: 90,
        retryBaseDelayMs: 5,
        maxRetryDelayMs: 50,
      });
    const setup = make();
    const connected = await connectBank(
      setup,
      { institutionId: NO_MFA_BANK_ID, username: 'asdf', password: 'asdf' },
      { pollIntervalMs: 1, maxPollIntervalMs: 5 },
    );
    const accounts = await setup.listAccounts(connected.userInstitutionId);
    const big = sb.control
      .connections()
      .flatMap((c) => c.accounts)
      .filter((a) => accounts.some((x) => x.accountId === a.accountId))
      .reduce((a, b) => (b.transactionCount > a.transactionCount ? b : a));
    const from = sb.control.transactions(big.accountId)[0]!.date;
    const to = sb.control.today();

    for (const [name, faults] of [
      ['backfill, no faults', null],
      ['backfill, 10% 429/503', { '429': 0.05, '503': 0.05, retryAfter: 0 }],
    ] as const) {
      if (faults) sb.control.setFaultRates(faults);
      const api = make();
      const t0 = performance.now();
      const rows = await api.getTransactions(big.accountId, from, to);
      const ms = performance.now() - t0;
      sb.control.clearFaults();
      out.push({
        name: `sophtron client: ${name}`,
        figures: {
          range: `${from} → ${to}`,
          'transactions read': rows.length,
          'HTTP calls': api.callCounts()['Transaction/GetTransactionsByTransactionDate'] ?? 0,
          'time ms': Math.round(ms),
          'rows per second': Math.round((rows.length / ms) * 1000),
        },
      });
    }
  } finally {
    await sb.close();
  }
  return out;
}

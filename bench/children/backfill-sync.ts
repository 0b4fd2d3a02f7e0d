/**
 * One backfill in a process of its own, so its peak RSS is the sync's alone (the sandbox runs in the
 * benchmark's process). Connects the sandbox's NoMFA test bank, links its high-volume account from
 * the start of its history, syncs it once, and prints one JSON line of figures.
 * Settings come from the environment: the sandbox's BENCH_SANDBOX_URL/USER/KEY, DATA_DIR (SQLite)
 * or DATABASE_URL, SOPHTRON_WINDOW_DAYS.
 */
import { loadConfig } from '../../src/config.js';
import { createSophtronClient } from '../../src/sophtron/client.js';
import { openStore } from '../../src/store/index.js';
import { syncFamily } from '../../src/sync/run.js';
import { connectBank } from '../../src/sophtron/connect.js';
import { recordConnection } from '../../src/store/record-connection.js';

const env = process.env;
const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };
const mark = (what: string) => {
  if (env.BENCH_TRACE) {
    const m = process.memoryUsage();
    process.stderr.write(
      `${what}: rss ${Math.round(m.rss / 1048576)} heap ${Math.round(m.heapUsed / 1048576)}/${Math.round(m.heapTotal / 1048576)} ext ${Math.round(m.external / 1048576)} ab ${Math.round(m.arrayBuffers / 1048576)}\n`,
    );
  }
};
mark('loaded');
const store = await openStore(config);
mark('store open');
const family = await store.createFamily({ name: 'Backfill bench', timeZone: 'UTC' });
const client = createSophtronClient({
  userId: env.BENCH_SANDBOX_USER,
  accessKey: env.BENCH_SANDBOX_KEY,
  baseUrl: env.BENCH_SANDBOX_URL,
  windowDays: config.sophtronWindowDays,
});
// The sandbox's NoMFA test bank (its id, written out: the sandbox's code stays out of this process).
const institutionId = '926623ca-5952-4921-8f77-2023f1cdde8e';
const outcome = await connectBank(
  client,
  { institutionId, username: 'asdfg12X', password: 'asdfg12X' },
  fastJobs,
);
const institution = await client.getInstitution(institutionId);
const recorded = await recordConnection(
  store,
  family.id,
  outcome,
  institution,
  await client.listAccounts(outcome.userInstitutionId),
);
const providerAccounts = recorded?.providerAccounts ?? [];
const big = providerAccounts.find((p) => p.name === 'High Volume Checking');
if (!big) throw new Error('the sandbox has no high-volume account');
const { account } = await store.linkAccount(family.id, big.id, { startDate: '2021-01-01' });
mark('linked');
const rssBefore = process.resourceUsage().maxRSS;
const t0 = performance.now();
const run = await syncFamily({ store, sophtron: client, config, jobOptions: fastJobs }, family.id, {
  trigger: 'api',
  accountIds: [account.id],
  onEvent: (e) => {
    if (e.type === 'account-progress' && e.stage === 'writing') mark(`part ${e.part?.index}`);
  },
});
const ms = performance.now() - t0;
if (run.outcome !== 'succeeded') throw new Error(`backfill ${run.outcome}: ${run.accounts[0]?.error}`);
const stored = await store.db
  .selectFrom('transactions')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .where('account_id', '=', account.id)
  .executeTakeFirstOrThrow();
await store.close();
process.stdout.write(
  `${JSON.stringify({
    ms: Math.round(ms),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    rssBeforeSyncMb: Math.round(rssBefore / 1024),
    transactions: Number(stored.n),
    sophtronCalls: run.sophtronCalls,
    cpuMs: Math.round(process.cpuUsage().user / 1000),
  })}\n`,
);

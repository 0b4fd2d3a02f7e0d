/**
 * The sync engine end to end: the real sandbox over HTTP, the real Sophtron client, a real SQLite
 * ledger. Connect a test bank, link its accounts, sync, move the bank's clock (new transactions,
 * pending→posted under new ids, vanished pending), sync again: the ledger equals the bank's posted
 * truth. With faults on (429, 5xx, truncated bodies) the ledger is the same; a permanent fault on one
 * account fails that account with a clear reason while the others sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startSandbox, type FaultSpec, type RunningSandbox } from '../src/sandbox/index.js';
import type { SophtronClient } from '../src/sophtron/client.js';
import { openStore, type Store } from '../src/store/index.js';
import { addDays } from '../src/dates.js';
import { syncFamily, type SyncEvent, type SyncRunResult } from '../src/sync/run.js';
import { connectSandboxBank, sandboxClient } from './helpers/sandbox-family.js';

const BASE_TIME = new Date('2026-06-15T15:00:00Z');
const config = loadConfig({ SYNC_START_DAYS: '30', PENDING_GRACE_DAYS: '5', LOG_LEVEL: 'silent' });
const fastJobs = { pollIntervalMs: 1, maxPollIntervalMs: 5 };

interface World {
  sandbox: RunningSandbox;
  store: Store;
  familyId: string;
  client: SophtronClient;
  userInstitutionId: string;
  sync(extra?: Partial<Parameters<typeof syncFamily>[2]>, client?: SophtronClient): Promise<SyncRunResult>;
  accounts(): Promise<{ id: string; name: string; sophtronId: string }[]>;
  dispose(): Promise<void>;
}

const worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.dispose();
});

async function world(
  options: { faults?: FaultSpec; linkFirst?: number; startDate?: string } = {},
): Promise<World> {
  const sandbox = await startSandbox({ seed: 11, pollsPerStep: 1, bigAccount: false, now: () => BASE_TIME });
  const dir = mkdtempSync(join(tmpdir(), 'ss-sync-e2e-'));
  const store = await openStore({ dataDir: dir, secretKey: Buffer.alloc(32, 7).toString('base64') });
  const family = await store.createFamily({ name: 'E2E', timeZone: 'America/New_York' });
  const client = sandboxClient(sandbox, { retryBudgetMs: 20_000, retryBaseDelayMs: 1, maxRetryDelayMs: 5 });
  const { outcome, providerAccounts } = await connectSandboxBank(store, family.id, client, {
    jobOptions: fastJobs,
  });
  expect(outcome.outcome).toBe('connected');
  const toLink = providerAccounts.slice(0, options.linkFirst ?? Infinity);
  for (const pa of toLink)
    await store.linkAccount(family.id, pa.id, options.startDate ? { startDate: options.startDate } : {});
  if (options.faults) sandbox.control.setFaultRates(options.faults);
  const w: World = {
    sandbox,
    store,
    familyId: family.id,
    client,
    userInstitutionId: outcome.userInstitutionId,
    sync: (extra = {}, c = client) =>
      syncFamily(
        { store, sophtron: c, config, clock: () => sandbox.control.now(), jobOptions: fastJobs },
        family.id,
        { trigger: 'api', ...extra },
      ),
    async accounts() {
      const rows = await store.listSyncableAccounts(family.id);
      return rows.map((r) => ({ id: r.id, name: r.name, sophtronId: r.sophtron_account_id }));
    },
    async dispose() {
      await store.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  worlds.push(w);
  return w;
}

/** Every transaction row's facts, in a stable order: two ledgers compare equal when they agree. */
function snapshot(w: World) {
  return w.store.db
    .selectFrom('transactions')
    .select([
      'provider_transaction_id',
      'replaced_pending_id',
      'status',
      'amount_minor',
      'date',
      'description',
    ])
    .orderBy('provider_transaction_id')
    .execute();
}

/** The ledger's live rows of an account, as comparable facts. */
async function ledgerOf(w: World, accountId: string, status: 'posted' | 'pending') {
  const rows = await w.store.db
    .selectFrom('transactions')
    .select(['provider_transaction_id', 'date', 'amount_minor', 'description'])
    .where('account_id', '=', accountId)
    .where('status', '=', status)
    .execute();
  return rows
    .map((r) => ({
      id: r.provider_transaction_id,
      date: r.date,
      amount: r.amount_minor,
      description: r.description,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function truthOf(w: World, sophtronId: string, status: 'posted' | 'pending', from: string) {
  return w.sandbox.control
    .transactions(sophtronId)
    .filter((t) => t.status === status && t.date >= from)
    .map((t) => ({ id: t.transactionId, date: t.date, amount: t.amountCents, description: t.description }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Ledger posted rows == the bank's posted truth from the first window's start; pending rows likewise. */
async function expectMirror(w: World, firstFrom: Map<string, string>, exactPending: boolean) {
  for (const a of await w.accounts()) {
    const from = firstFrom.get(a.id)!;
    expect(await ledgerOf(w, a.id, 'posted'), a.name).toEqual(truthOf(w, a.sophtronId, 'posted', from));
    const pending = await ledgerOf(w, a.id, 'pending');
    const bankPending = truthOf(w, a.sophtronId, 'pending', from);
    if (exactPending) expect(pending, a.name).toEqual(bankPending);
    else expect(pending, a.name).toEqual(expect.arrayContaining(bankPending));
  }
}

/** Connect, sync, then three rounds of bank time (new, posted under new ids, vanished). */
async function scenario(w: World) {
  const events: SyncEvent['type'][] = [];
  const first = await w.sync({ onEvent: (e) => events.push(e.type) });
  expect(first.outcome).toBe('succeeded');
  expect(first.accounts.length).toBeGreaterThan(1);
  expect(events[0]).toBe('run-started');
  expect(events.at(-1)).toBe('run-finished');
  expect(events.filter((e) => e === 'account-finished')).toHaveLength(first.accounts.length);
  const firstFrom = new Map(first.accounts.map((a) => [a.accountId, a.window!.from]));
  expect(first.totals.new).toBeGreaterThan(20);
  await expectMirror(w, firstFrom, true);

  const [checking] = await w.accounts();
  w.sandbox.control.advanceDays(3);
  w.sandbox.control.addTransaction(checking!.sophtronId, {
    amountCents: -4321,
    description: 'HAND MADE TEST',
  });
  const second = await w.sync();
  expect(second.outcome).toBe('succeeded');
  expect(second.totals.new).toBeGreaterThan(0);
  await expectMirror(w, firstFrom, false);

  w.sandbox.control.advanceDays(6);
  const third = await w.sync();
  expect(third.outcome).toBe('succeeded');
  expect(third.totals.merged + third.totals.vanished).toBeGreaterThan(0);
  // Grace (5 days) has passed since the last sync: vanished pending rows are marked, the rest match.
  await expectMirror(w, firstFrom, true);

  const again = await w.sync();
  expect(again.totals).toMatchObject({ new: 0, updated: 0, merged: 0, vanished: 0 });
  return { first, second, third, again };
}

describe('sync end to end against the sandbox', () => {
  it('mirrors the bank through new, posted-under-new-id and vanished transactions', async () => {
    const w = await world();
    const { first, third, again } = await scenario(w);

    // Windows: first sync reads SYNC_START_DAYS before linking; later ones the overlap before the last.
    const acc = first.accounts[0]!;
    expect(acc.window).toMatchObject({ from: '2026-05-16', to: '2026-06-16', basis: 'first_sync' });
    expect(third.accounts[0]!.window).toMatchObject({
      from: '2026-06-09',
      to: '2026-06-25',
      basis: 'since_last_sync',
    });

    // The run is recorded per account, with its Sophtron calls counted.
    const run = await w.store.getRun(w.familyId, again.runId);
    expect(run?.outcome).toBe('succeeded');
    expect(run?.accounts).toHaveLength(again.accounts.length);
    // Per account its reads; the run also counts its bank login's one refresh job.
    for (const a of again.accounts) expect(a.sophtronCalls, a.accountName).toBe(2);
    expect(again.sophtronCalls).toBeGreaterThanOrEqual(2 * again.accounts.length + 2);
    expect(run?.sophtron_calls).toBe(again.sophtronCalls);

    // Balances through the balance rule, and the provider account's as reported.
    for (const a of again.accounts) {
      const sophtronId = (await w.accounts()).find((x) => x.id === a.accountId)!.sophtronId;
      const truth = w.sandbox.control.balance(sophtronId);
      const snap = await w.store.latestBalance(w.familyId, a.accountId);
      const rule = (await w.store.getAccount(w.familyId, a.accountId))!.balance_rule;
      const expected =
        rule === 'owed_positive'
          ? Math.abs(truth.balanceCents)
          : rule === 'negate'
            ? -truth.balanceCents
            : truth.balanceCents;
      expect(snap?.current_minor, a.accountName).toBe(expected);
    }

    // Merged rows keep their ledger id: the posted id replaced the pending one on the same row.
    const merged = await w.store.db
      .selectFrom('transactions')
      .selectAll()
      .where('replaced_pending_id', 'is not', null)
      .execute();
    expect(merged.length).toBeGreaterThan(0);
    expect(merged.every((m) => m.status === 'posted')).toBe(true);
  });

  it('ends with the same ledger when Sophtron answers 429, 5xx and truncated bodies', async () => {
    const clean = await world();
    await scenario(clean);
    const faulty = await world({ faults: { '429': 0.15, '500': 0.1, truncate: 0.05, retryAfter: 0 } });
    const runs = await scenario(faulty);
    expect(await snapshot(faulty)).toEqual(await snapshot(clean));
    // The faults really happened, and the client's retries absorbed them (more calls than the clean run).
    const log = faulty.sandbox.control.requestLog();
    const kinds = new Set(log.map((r) => r.fault).filter(Boolean));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['429', '500', 'truncate']));
    const failedReads = runs.first.accounts.concat(
      runs.second.accounts,
      runs.third.accounts,
      runs.again.accounts,
    );
    expect(failedReads.filter((a) => a.outcome === 'failed')).toEqual([]);
  });

  it('fails one account with a clear reason when Sophtron keeps refusing, and syncs the others', async () => {
    const w = await world();
    const first = await w.sync();
    expect(first.outcome).toBe('succeeded');
    const before = await w.store.db.selectFrom('transactions').selectAll().orderBy('id').execute();

    w.sandbox.control.advanceDays(2);
    const impatient = sandboxClient(w.sandbox, {
      retryBudgetMs: 200,
      retryBaseDelayMs: 10,
      maxRetryDelayMs: 40,
    });
    w.sandbox.control.scriptFault({
      endpoint: 'GetTransactionsByTransactionDate',
      kind: '429',
      count: 100_000,
      retryAfter: 0,
    });
    let cleared = false;
    const run = await w.sync(
      {
        // The fault is "permanent" for the first account only: cleared once it has given up.
        onEvent: (e) => {
          if (e.type === 'account-finished' && !cleared) {
            w.sandbox.control.clearFaults();
            cleared = true;
          }
        },
      },
      impatient,
    );
    const [failed, ...others] = run.accounts;
    expect(run.outcome).toBe('partial');
    expect(failed).toMatchObject({
      outcome: 'failed',
      counts: { new: 0, updated: 0, merged: 0, vanished: 0 },
    });
    expect(failed!.error).toBe(
      'Sophtron rate-limited the transactions call (429) and the retry budget ran out',
    );
    expect(failed!.sophtronCalls).toBeGreaterThan(2);
    for (const o of others) expect(o.outcome, o.accountName).toBe('succeeded');

    // The failed account's ledger rows are untouched; its position did not move.
    const after = await w.store.db
      .selectFrom('transactions')
      .selectAll()
      .where('account_id', '=', failed!.accountId)
      .orderBy('id')
      .execute();
    expect(after).toEqual(before.filter((r) => r.account_id === failed!.accountId));
    const account = await w.store.getAccount(w.familyId, failed!.accountId);
    expect(account).toMatchObject({
      last_sync_outcome: 'failed',
      synced_through: first.accounts[0]!.syncedThrough,
    });
    const recorded = await w.store.getRun(w.familyId, run.runId);
    expect(recorded?.accounts.find((a) => a.account_id === failed!.accountId)).toMatchObject({
      outcome: 'failed',
      error: failed!.error,
    });
  });

  it('marks the connection as needing attention when the bank asks for MFA, and still reads', async () => {
    const w = await world();
    await w.sync();
    w.sandbox.control.advanceDays(1);
    w.sandbox.control.failNext(w.userInstitutionId, 'mfa');
    const run = await w.sync();
    const [firstAccount, ...rest] = run.accounts;
    expect(firstAccount).toMatchObject({ outcome: 'needs_attention', refresh: { state: 'needs_attention' } });
    expect(firstAccount!.note).toMatch(/synced what Sophtron already had/);
    // The bank login is refreshed once for all its accounts.
    for (const a of rest) {
      expect(a).toMatchObject({ outcome: 'needs_attention', refresh: { state: 'needs_attention' } });
    }
    // Sophtron's data may be stale: the accounts' position stays for the next sync to re-read.
    for (const a of run.accounts) {
      const before = (await w.store.getAccount(w.familyId, a.accountId))!.synced_through;
      expect(a.syncedThrough).toBe(before);
      expect(a.syncedThrough).toBe('2026-06-16');
    }
    const [connection] = await w.store.listConnections(w.familyId);
    expect(connection).toMatchObject({ status: 'needs_attention' });

    // Once the bank answers again, the connection is healthy and the position moves.
    const after = await w.sync();
    expect(after.accounts.every((a) => a.outcome === 'succeeded' && a.syncedThrough === '2026-06-17')).toBe(
      true,
    );
    const [healed] = await w.store.listConnections(w.familyId);
    expect(healed).toMatchObject({ status: 'connected', status_reason: null });
    expect(connection!.status_reason).toBeTruthy();
  });
});

describe('sync end to end: a bank that refuses the login on refresh', () => {
  it("marks the connection as needing attention with the bank's reason, and the run partial", async () => {
    const w = await world();
    await w.sync();
    w.sandbox.control.advanceDays(1);
    w.sandbox.control.failNext(w.userInstitutionId, 'fail');
    w.sandbox.control.resetCounts();
    const run = await w.sync();
    const [first, ...rest] = run.accounts;
    expect(first).toMatchObject({
      outcome: 'needs_attention',
      refresh: { state: 'needs_attention', reason: 'The bank refused the login: Invalid credentials' },
    });
    expect(first!.note).toBe(
      'the bank refused the login: Invalid credentials; synced what Sophtron already had',
    );
    // One refresh job for the bank login: all its accounts share its answer.
    for (const a of rest) {
      expect(a).toMatchObject({ outcome: 'needs_attention', refresh: first!.refresh, note: first!.note });
    }
    expect(w.sandbox.control.requestLog().filter((r) => /Refresh/.test(r.endpoint))).toHaveLength(1);
    expect(run.outcome).toBe('partial');
    expect((await w.store.getRun(w.familyId, run.runId))?.outcome).toBe('partial');
    const [connection] = await w.store.listConnections(w.familyId);
    expect(connection).toMatchObject({
      status: 'needs_attention',
      status_reason: 'The bank refused the login: Invalid credentials',
    });
    const account = await w.store.getAccount(w.familyId, first!.accountId);
    expect(account).toMatchObject({ last_sync_outcome: 'needs_attention', last_sync_error: first!.note });
  });
});

describe('sync end to end: the refresh call', () => {
  it('is retried on 429 and 5xx like any read', async () => {
    const w = await world();
    w.sandbox.control.scriptFault({
      endpoint: 'UserInstitution/RefreshUserInstitution',
      kind: '429',
      count: 2,
      retryAfter: 0,
    });
    w.sandbox.control.scriptFault({
      endpoint: 'UserInstitution/RefreshUserInstitution',
      kind: '503',
      count: 1,
    });
    const run = await w.sync();
    expect(run.outcome).toBe('succeeded');
    for (const a of run.accounts) expect(a.refresh, a.accountName).toEqual({ state: 'refreshed' });
    expect(w.sandbox.control.requestLog().filter((r) => r.fault !== null)).toHaveLength(3);
  });

  it('keeps failing, yet the position moves over what Sophtron had: the next sync is incremental', async () => {
    const w = await world();
    w.sandbox.control.scriptFault({
      endpoint: 'UserInstitution/RefreshUserInstitution',
      kind: '503',
      count: 100_000,
    });
    const impatient = sandboxClient(w.sandbox, {
      retryBudgetMs: 30,
      retryBaseDelayMs: 1,
      maxRetryDelayMs: 5,
    });
    const run = await w.sync({}, impatient);
    for (const a of run.accounts) {
      expect(a.refresh.state, a.accountName).toBe('failed');
      // Retried or not within 30 ms depends on the machine's speed; the message says which.
      expect(a.note).toMatch(/^refresh at Sophtron failed \(Sophtron failed the refresh call \(HTTP 503\)/);
      // Sophtron last updated these accounts when the bank was connected (15 June).
      expect(a.syncedThrough, a.accountName).toBe('2026-06-15');
    }
    w.sandbox.control.clearFaults();
    const next = await w.sync();
    for (const a of next.accounts) {
      expect(a.window, a.accountName).toMatchObject({ basis: 'since_last_sync', from: '2026-06-05' });
    }
  });
});

describe('proof: a fault run', () => {
  it('ends with the same ledger as a clean run in one run, and the next sync costs no more than an incremental one', async () => {
    // A year of history: enough calls for every fault kind to happen.
    const clean = await world({ startDate: '2025-06-01' });
    expect((await clean.sync()).outcome).toBe('succeeded');
    const cleanIncremental = await clean.sync();

    // 20% 429 asking to wait 1 s, 10% 5xx, 5% bodies cut off. The client's waits are recorded and
    // skipped on a virtual clock (its retry budget is spent in virtual time, Retry-After honoured).
    const faulty = await world({
      startDate: '2025-06-01',
      faults: { '429': 0.2, '500': 0.1, truncate: 0.05, retryAfter: 1 },
    });
    const waits: number[] = [];
    let skipped = 0;
    const patient = sandboxClient(faulty.sandbox, {
      retryBudgetMs: 120_000,
      now: () => Date.now() + skipped,
      sleep: async (ms) => {
        waits.push(ms);
        skipped += ms;
      },
    });
    const faultRun = await faulty.sync({}, patient);
    expect(faultRun.outcome).toBe('succeeded');
    for (const a of faultRun.accounts) expect(a.refresh, a.accountName).toEqual({ state: 'refreshed' });
    expect(await snapshot(faulty)).toEqual(await snapshot(clean));
    const faults = faulty.sandbox.control.requestLog().filter((r) => r.fault !== null);
    expect(new Set(faults.map((f) => f.fault))).toEqual(new Set(['429', '500', 'truncate']));
    expect(waits.filter((ms) => ms >= 1000).length).toBeGreaterThanOrEqual(
      faults.filter((f) => f.fault === '429').length,
    );

    faulty.sandbox.control.clearFaults();
    const after = await faulty.sync();
    console.log(
      `fault run: ${faultRun.sophtronCalls} Sophtron calls (${faults.length} faults); next clean sync: ` +
        `${after.sophtronCalls} calls; a normal incremental sync: ${cleanIncremental.sophtronCalls} calls`,
    );
    expect(after.sophtronCalls).toBeLessThanOrEqual(cleanIncremental.sophtronCalls);
    expect(after.totals).toMatchObject({ new: 0, updated: 0, merged: 0, vanished: 0 });
  });
});

describe('sync end to end: an account linked later', () => {
  it('gets its own full backfill, whatever its siblings did', async () => {
    const w = await world({ linkFirst: 1 });
    const first = await w.sync();
    expect(first.accounts).toHaveLength(1);
    w.sandbox.control.advanceDays(20);
    for (const pa of await w.store.listProviderAccounts(w.familyId)) {
      if (!pa.account) await w.store.linkAccount(w.familyId, pa.id);
    }
    const second = await w.sync();
    const firstId = first.accounts[0]!.accountId;
    const old = second.accounts.find((a) => a.accountId === firstId);
    const late = second.accounts.filter((a) => a.accountId !== firstId);
    expect(old!.window).toMatchObject({ basis: 'since_last_sync', from: '2026-06-06' });
    expect(late.length).toBeGreaterThan(0);
    const today = w.sandbox.control.today();
    for (const a of late) {
      // SYNC_START_DAYS (30) before today (the sandbox clock is behind the real linking time).
      expect(a.window, a.accountName).toMatchObject({ basis: 'first_sync', from: addDays(today, -30) });
      const sophtronId = (await w.accounts()).find((x) => x.id === a.accountId)!.sophtronId;
      expect(await ledgerOf(w, a.accountId, 'posted'), a.accountName).toEqual(
        truthOf(w, sophtronId, 'posted', a.window!.from),
      );
    }
  });
});

describe('sync end to end: what the user deleted stays deleted', () => {
  it('a deleted pending row stays deleted when it posts: its successor is the one a merge would pick', async () => {
    // Two identical banks and ledgers; in the second the user deletes every pending row.
    const kept = await world({ linkFirst: 2 });
    const cut = await world({ linkFirst: 2 });
    await kept.sync();
    await cut.sync();
    const pending = await cut.store.db
      .selectFrom('transactions')
      .select(['id', 'provider_transaction_id'])
      .where('status', '=', 'pending')
      .execute();
    expect(pending.length).toBeGreaterThan(1);
    for (const p of pending) expect(await cut.store.deleteTransaction(cut.familyId, p.id)).toBe(true);
    for (let day = 0; day < 8; day++) {
      kept.sandbox.control.advanceDays(1);
      cut.sandbox.control.advanceDays(1);
      await kept.sync();
      await cut.sync();
    }
    const deleted = new Set(pending.map((p) => p.provider_transaction_id));
    // Where the first ledger merged a pending row into its posted one, the second recognised the
    // same posted transaction as the deleted row's successor, and nothing else.
    const merges = (
      await kept.store.db
        .selectFrom('transactions')
        .select(['replaced_pending_id', 'provider_transaction_id'])
        .where('replaced_pending_id', 'is not', null)
        .execute()
    ).filter((m) => deleted.has(m.replaced_pending_id!));
    const successors = await cut.store.db
      .selectFrom('tombstones')
      .select(['replaced_pending_id', 'provider_transaction_id'])
      .where('origin', '=', 'successor')
      .execute();
    const pairs = (rows: { replaced_pending_id: string | null; provider_transaction_id: string }[]) =>
      rows.map((r) => `${r.replaced_pending_id}→${r.provider_transaction_id}`).sort();
    expect(merges.length).toBeGreaterThan(0);
    expect(pairs(successors)).toEqual(pairs(merges));
    const posted = async (w: World) =>
      (
        await w.store.db
          .selectFrom('transactions')
          .select('provider_transaction_id')
          .where('status', '=', 'posted')
          .execute()
      )
        .map((r) => r.provider_transaction_id)
        .sort();
    const gone = new Set(successors.map((s) => s.provider_transaction_id));
    expect(await posted(cut)).toEqual((await posted(kept)).filter((id) => !gone.has(id)));
  });

  it('a deleted merged row does not come back as the pending copy the bank still lists', async () => {
    const w = await world({ linkFirst: 1 });
    await w.sync();
    const [account] = await w.accounts();
    const today = w.sandbox.control.today();
    // A hold the bank keeps listing, and its posted transaction under a new id two days later.
    const pendingId = w.sandbox.control.addTransaction(account!.sophtronId, {
      date: addDays(today, -5),
      amountCents: -1999,
      description: 'POS PENDING ACME HARDWARE',
      status: 'pending',
    });
    await w.sync();
    const postedId = w.sandbox.control.addTransaction(account!.sophtronId, {
      date: addDays(today, -3),
      amountCents: -1999,
      description: 'ACME HARDWARE #55 SPRINGFIELD',
    });
    // A window that starts after the hold's date does not list it: the pair merges.
    const narrow = await w.sync({ from: addDays(today, -4) });
    expect(narrow.accounts[0]!.counts).toMatchObject({ merged: 1 });
    const merged = await w.store.db
      .selectFrom('transactions')
      .select(['id', 'replaced_pending_id'])
      .where('provider_transaction_id', '=', postedId)
      .executeTakeFirstOrThrow();
    expect(merged.replaced_pending_id).toBe(pendingId);

    expect(await w.store.deleteTransaction(w.familyId, merged.id, 'e2e')).toBe(true);
    // The usual window lists both the hold and the posted row again: neither comes back.
    const again = await w.sync({ from: addDays(today, -30) });
    expect(again.accounts[0]).toMatchObject({ counts: { new: 0 }, skippedDeleted: 2 });
    const live = await w.store.db
      .selectFrom('transactions')
      .select('provider_transaction_id')
      .where('provider_transaction_id', 'in', [pendingId, postedId])
      .execute();
    expect(live).toEqual([]);
  });
});

/**
 * syncFamily with an in-process SophtronApi stand-in over a real ledger (SQLite or PostgreSQL): request validation,
 * event order, a bad payload failing only its own account, and a listener that throws.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedgerFixture, type LedgerFixture } from '../../test/fakes/ledger-fixture.js';
import { seedAccount } from '../../test/fakes/ledger-seed.js';
import { providerTransaction } from '../../test/fakes/ledger-store.js';
import { loadConfig } from '../config.js';
import type { SophtronApi } from '../sophtron/api.js';
import type { ProviderAccountData, ProviderTransactionData } from '../domain/types.js';
import { SyncRequestError } from './errors.js';
import { syncFamily, type SyncEvent } from './run.js';

// One read window covers each account's first sync here (SYNC_START_DAYS 90): one part, one event set.
const config = loadConfig({ LOG_LEVEL: 'silent', SOPHTRON_WINDOW_DAYS: '120' });
const clock = () => new Date('2026-04-10T12:00:00Z');

let fx: LedgerFixture;
beforeEach(async () => {
  fx = await openLedgerFixture();
  // A second linked account on the same connection.
  await seedAccount(fx.db, 'fam', 'conn', {
    id: 'acc2',
    providerAccountId: 'pa2',
    sophtronAccountId: 'card',
    name: 'Card',
    kind: 'credit_card',
    syncStartDate: '2026-03-01',
  });
});
afterEach(async () => {
  await fx.dispose();
});

const tx = (accountId: string, id: string, amount: number) =>
  providerTransaction({
    transactionId: id,
    accountId,
    amount,
    date: '2026-04-01',
    description: 'SHOP',
    type: null,
  });

function fakeApi(
  transactions: Record<string, ProviderTransactionData[]>,
  answerAs: Record<string, string> = {},
): SophtronApi {
  let calls = 0;
  const account = (accountId: string): ProviderAccountData => ({
    accountId,
    userInstitutionId: 'ui-1',
    name: accountId,
    numberMask: null,
    rawType: null,
    subType: null,
    type: 'checking',
    balance: -12345,
    availableBalance: null,
    currencyHint: '$',
    status: 'tracked',
    lastUpdated: null,
    dueDate: null,
  });
  const api: Partial<SophtronApi> = {
    refreshConnection: async () => (calls++, { jobId: 'job' }),
    getJob: async () => (calls++, { state: 'succeeded' }),
    getAccount: async (id) => (calls++, account(answerAs[id] ?? id)),
    getTransactions: async (id) => (calls++, transactions[id] ?? []),
    callCounts: () => ({ all: calls }),
  };
  return api as SophtronApi;
}

const deps = (api: SophtronApi) => ({
  store: fx.store,
  sophtron: api,
  config,
  clock,
  jobOptions: { pollIntervalMs: 0 },
});

describe('syncFamily', () => {
  it('refuses bad dates and accounts that are not linked before writing anything', async () => {
    const api = fakeApi({});
    await expect(syncFamily(deps(api), 'fam', { trigger: 'api', from: '2026-02-30' })).rejects.toThrow(
      new SyncRequestError('--from: must be a calendar date YYYY-MM-DD (got "2026-02-30")'),
    );
    await expect(
      syncFamily(deps(api), 'fam', { trigger: 'api', from: '2026-04-02', to: '2026-04-01' }),
    ).rejects.toThrow(/--from 2026-04-02 is after --to 2026-04-01/);
    // Sophtron has nothing after tomorrow: reading up to year 3000 would only spend calls.
    await expect(syncFamily(deps(api), 'fam', { trigger: 'api', to: '3000-01-01' })).rejects.toThrow(
      new SyncRequestError('--to 3000-01-01 is after tomorrow (2026-04-11): Sophtron has nothing later'),
    );
    await expect(syncFamily(deps(api), 'fam', { trigger: 'api', from: '2026-04-12' })).rejects.toThrow(
      new SyncRequestError('--from 2026-04-12 is after tomorrow (2026-04-11): Sophtron has nothing later'),
    );
    await expect(syncFamily(deps(api), 'fam', { trigger: 'api', accountIds: ['nope'] })).rejects.toThrow(
      /not a linked account of this family: nope/,
    );
    expect(await fx.db.selectFrom('sync_runs').selectAll().execute()).toEqual([]);
  });

  it('fails only the account whose payload is bad, and reports events in order even if a listener throws', async () => {
    const api = fakeApi({ acct: [tx('acct', 'a1', -500)], card: [tx('card', 'c1', 12.5)] });
    const events: SyncEvent['type'][] = [];
    const result = await syncFamily(deps(api), 'fam', {
      trigger: 'api',
      onEvent: (e) => {
        events.push(e.type);
        throw new Error('listener broke');
      },
    });
    expect(events).toEqual([
      'run-started',
      // One refresh for the bank login of both accounts, before either is read.
      'refreshing',
      'account-started',
      'account-progress',
      'account-progress',
      'account-finished',
      'account-started',
      'account-progress',
      'account-progress',
      'account-finished',
      'run-finished',
    ]);
    const byName = Object.fromEntries(result.accounts.map((a) => [a.accountName, a]));
    expect(byName.Card).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/cannot hold: transaction "c1": amount/),
    });
    expect(byName.Checking).toMatchObject({ outcome: 'succeeded', counts: { new: 1 }, sophtronCalls: 2 });
    // The run counts the bank login's refresh job too (start + one poll).
    expect(result.sophtronCalls).toBe(6);
    expect(byName.Checking!.balance).toEqual({ currentMinor: -12345, availableMinor: null, currency: 'USD' });
    expect(result.outcome).toBe('partial');
    // Windows: the card starts at its own start date, the checking account 90 days before today.
    expect(byName.Card!.window).toMatchObject({ from: '2026-03-01', to: '2026-04-11' });
    expect(byName.Checking!.window).toMatchObject({ from: '2026-01-10', to: '2026-04-11' });

    const balances = await fx.db.selectFrom('balance_snapshots').selectAll().execute();
    expect(balances.map((b) => [b.account_id, b.current_minor])).toEqual([['acc', -12345]]);
    const accounts = await fx.db
      .selectFrom('accounts')
      .select(['id', 'synced_through', 'last_sync_outcome'])
      .orderBy('id')
      .execute();
    expect(accounts).toEqual([
      { id: 'acc', synced_through: '2026-04-11', last_sync_outcome: 'succeeded' },
      { id: 'acc2', synced_through: null, last_sync_outcome: 'failed' },
    ]);
    const card = await fx.db
      .selectFrom('transactions')
      .selectAll()
      .where('account_id', '=', 'acc2')
      .execute();
    expect(card).toEqual([]);
  });

  it("fails an account when Sophtron answers with another account's data, writing nothing for it", async () => {
    const api = fakeApi(
      { acct: [tx('acct', 'a1', -500)], card: [tx('card', 'c1', -700)] },
      { card: 'someone-else' },
    );
    const result = await syncFamily(deps(api), 'fam', { trigger: 'api' });
    const card = result.accounts.find((a) => a.accountName === 'Card')!;
    expect(card.outcome).toBe('failed');
    expect(card.error).toBe(
      `Sophtron's answer to the account call cannot be used: Sophtron answered with account "someone-else" instead of "card"`,
    );
    const providerAccounts = await fx.db
      .selectFrom('provider_accounts')
      .select('sophtron_account_id')
      .execute();
    expect(providerAccounts.map((p) => p.sophtron_account_id).sort()).toEqual(['acct', 'card']);
  });

  it('records a cancelled run as failed instead of leaving it running', async () => {
    const controller = new AbortController();
    const api = fakeApi({});
    api.getTransactions = async () => {
      controller.abort(new Error('cancelled by the user'));
      throw new Error('connection closed');
    };
    await expect(syncFamily(deps(api), 'fam', { trigger: 'web', signal: controller.signal })).rejects.toThrow(
      'cancelled by the user',
    );
    const runs = await fx.db.selectFrom('sync_runs').selectAll().execute();
    expect(runs).toMatchObject([{ outcome: 'failed', error: 'cancelled by the user' }]);
    expect(runs[0]!.finished_at).not.toBeNull();
  });
});

/**
 * The ledger store with the real Sophtron client against the sandbox over HTTP: a family's client
 * is built from its sealed credentials, every call is counted in the family's usage, and a connect
 * outcome is recorded as a connection with provider accounts that can then be linked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MFA_BANK_ID, startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { connectBank } from '../src/sophtron/connect.js';
import { createFamilySophtron } from '../src/app/family-sophtron.js';
import { recordConnection } from '../src/store/record-connection.js';
import { openTempStore } from './fakes/ledger-store.js';

let sandbox: RunningSandbox;
let ledger: Awaited<ReturnType<typeof openTempStore>>;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 11, pollsPerStep: 1 });
  ledger = await openTempStore();
});
afterAll(async () => {
  await ledger?.cleanup();
  await sandbox?.close();
});

const config = {
  sophtronBaseUrl: 'https://api.sophtron.com/api',
  sophtronTimeoutMs: 5_000,
  sophtronRetryBudgetMs: 2_000,
  sophtronWindowDays: 365,
};

describe('store + Sophtron client (sandbox)', () => {
  it('counts calls per family and records a connect outcome that can be linked', async () => {
    const { store } = ledger;
    const user = sandbox.users[0]!;
    const fam = await store.createFamily({ name: 'Sandbox family', timeZone: 'UTC' });
    const other = await store.createFamily({ name: 'Other', timeZone: 'UTC' });
    await store.saveCredentials(fam.id, {
      userId: user.userId,
      accessKey: user.accessKey,
      baseUrl: sandbox.baseUrl,
    });

    const { client, flushUsage } = await createFamilySophtron(store, fam.id, config, { retryBaseDelayMs: 5 });
    expect(client.baseUrl).toBe(sandbox.baseUrl);
    expect(await client.testCredentials()).toEqual({ result: 'accepted' });
    const institution = await client.getInstitution(NO_MFA_BANK_ID);
    const outcome = await connectBank(
      client,
      { institutionId: NO_MFA_BANK_ID, username: 'asdf', password: 'asdf' },
      { pollIntervalMs: 1, maxPollIntervalMs: 5, timeoutMs: 20_000 },
    );
    expect(outcome.outcome).toBe('connected');
    const accounts = await client.listAccounts(outcome.userInstitutionId);
    expect(accounts.length).toBeGreaterThan(0);
    await flushUsage();

    const counts = client.callCounts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(await store.monthTotal(fam.id)).toBe(total);
    expect(
      Object.fromEntries((await store.usageByEndpoint(fam.id)).map((u) => [u.endpoint, u.calls])),
    ).toEqual(counts);
    expect(await store.monthTotal(other.id)).toBe(0);

    const recorded = await recordConnection(store, fam.id, outcome, institution, accounts);
    expect(recorded?.connection).toMatchObject({
      status: 'connected',
      institution_name: institution.name,
      user_institution_id: outcome.userInstitutionId,
    });
    expect(recorded?.providerAccounts.map((p) => p.sophtron_account_id).sort()).toEqual(
      accounts.map((a) => a.accountId).sort(),
    );
    // Recording again (a reconnect) updates in place.
    const again = await recordConnection(store, fam.id, outcome, institution, accounts);
    expect(again?.connection.id).toBe(recorded?.connection.id);
    expect((await store.listProviderAccounts(fam.id)).length).toBe(accounts.length);

    const first = accounts[0]!;
    const { account } = await store.linkAccount(fam.id, first.accountId);
    expect(account.provider_account_id).toBe(
      recorded!.providerAccounts.find((p) => p.sophtron_account_id === first.accountId)!.id,
    );
    expect(await store.listProviderAccounts(other.id)).toEqual([]);
  });

  it('records a failed or timed-out connect with the reason, and nothing without a UserInstitution', async () => {
    const { store } = ledger;
    const fam = await store.createFamily({ name: 'F', timeZone: 'UTC' });
    const inst = { id: 'i-1', name: 'Maple', countryCode: 'CA' };
    const failed = await recordConnection(
      store,
      fam.id,
      { outcome: 'failed', message: 'Invalid login' },
      inst,
      [],
      {
        userInstitutionId: 'ui-x',
      },
    );
    expect(failed?.connection).toMatchObject({
      status: 'failed',
      status_reason: 'Invalid login',
      country_code: 'CA',
    });
    const timed = await recordConnection(
      store,
      fam.id,
      { outcome: 'timed_out', afterMs: 600_000 },
      inst,
      [],
      {
        userInstitutionId: 'ui-x',
      },
    );
    expect(timed?.connection).toMatchObject({
      status: 'needs_attention',
      status_reason: expect.stringContaining('600 s'),
    });
    expect(
      await recordConnection(store, fam.id, { outcome: 'failed', message: 'x' }, inst, []),
    ).toBeUndefined();
  });
});

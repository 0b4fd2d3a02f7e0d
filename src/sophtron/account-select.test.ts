/**
 * The verification job's "single account select" (sophtron-api.md §4.4, §5.2 step 3) through the real
 * client against a scripted Sophtron server (port 0): the challenge, its answer, and no full numbers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { noRetryClient } from '../../test/fakes/scripted-sophtron.js';
import { startTestServer, type Reply, type TestServer } from '../../test/fakes/scripted-http.js';
import { connectBank, runJob } from './connect.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FULL = '9876543211234';
const accounts = [
  {
    AccountID: 'acc-1',
    UserInstitutionID: 'ui-1',
    AccountName: 'Checking',
    AccountNumber: 'xxx1234',
    FullAccountNumber: FULL,
  },
  { AccountID: 'acc-2', UserInstitutionID: 'ui-1', AccountName: 'Savings', AccountNumber: null },
];

/** A job that reaches AccountsReady and completes once an account was picked with `pickAnswer`. */
async function verificationServer(jobType: string, pickAnswer: (accountId: unknown) => unknown) {
  let picked = false;
  server = await startTestServer((req): Reply => {
    const body = req.body as Record<string, unknown>;
    if (req.path.endsWith('/CreateUserInstitutionWithFullAccountNumbers'))
      return { body: { JobID: 'job-1', UserInstitutionID: 'ui-1' } };
    if (req.path.endsWith('/GetJobInformationByID'))
      return {
        body: {
          JobID: 'job-1',
          JobType: jobType,
          UserInstitutionID: 'ui-1',
          SuccessFlag: picked ? true : null,
          LastStatus: picked ? 'Completed' : 'AccountsReady',
        },
      };
    if (req.path.endsWith('/GetUserInstitutionAccounts')) return { body: accounts };
    if (req.path.endsWith('/GetFullAccountNumberWithinJob')) {
      const res = pickAnswer(body.AccountID);
      if (res !== -1) picked = true;
      return { body: res };
    }
    return { status: 404, body: { Message: 'no route' } };
  });
  const api = noRetryClient(server.url);
  return { api, server };
}

const fast = { pollIntervalMs: 1, maxPollIntervalMs: 2 };

describe('account_select', () => {
  it('a verification job at AccountsReady raises account_select with masked names only', async () => {
    const { api } = await verificationServer('Verification', () => 0);
    const state = await api.getJob('job-1');
    expect(state).toEqual({
      state: 'challenge',
      challenge: {
        kind: 'account_select',
        accounts: [
          { accountId: 'acc-1', name: 'Checking (xxx1234)' },
          { accountId: 'acc-2', name: 'Savings' },
        ],
      },
    });
    expect(JSON.stringify(state)).not.toContain(FULL);
  });

  it('an ordinary job at AccountsReady is accounts_ready, not a challenge', async () => {
    const { api, server: s } = await verificationServer('AddAccounts', () => 0);
    expect((await api.getJob('job-1')).state).toBe('accounts_ready');
    expect(s.requests.some((r) => r.path.endsWith('/GetUserInstitutionAccounts'))).toBe(false);
  });

  it('connectBank with verification: picks through GetFullAccountNumberWithinJob (once, never retried)', async () => {
    // The answer body may be the account with its full number: accepted, and never returned.
    const { api, server: s } = await verificationServer('aggregate|VERIFY', (id) =>
      id === 'acc-2' ? { ...accounts[1], FullAccountNumber: FULL } : -1,
    );
    const asked: unknown[] = [];
    const outcome = await connectBank(
      api,
      { institutionId: 'bank', username: 'u', password: 'p', verification: true },
      {
        ...fast,
        onChallenge: async (c) => {
          asked.push(c);
          return { kind: 'account_select', accountId: 'acc-2' };
        },
      },
    );
    expect(outcome).toMatchObject({ outcome: 'connected', userInstitutionId: 'ui-1' });
    expect(JSON.stringify(outcome)).not.toContain(FULL);
    expect(asked).toHaveLength(1);
    const picks = s.requests.filter((r) => r.path.endsWith('/GetFullAccountNumberWithinJob'));
    expect(picks.map((r) => r.body)).toEqual([{ JobID: 'job-1', AccountID: 'acc-2' }]);
    expect(s.requests[0]!.path).toMatch(/\/UserInstitution\/CreateUserInstitutionWithFullAccountNumbers$/);
  });

  it('a refused pick (-1) is asked again; without onChallenge the job needs attention', async () => {
    const { api } = await verificationServer('Verification', (id) => (id === 'acc-1' ? 0 : -1));
    const tries: string[] = [];
    const outcome = await runJob(api, 'job-1', {
      ...fast,
      onChallenge: async () => {
        const accountId = tries.length === 0 ? 'nope' : 'acc-1';
        tries.push(accountId);
        return { kind: 'account_select', accountId };
      },
    });
    expect(tries).toEqual(['nope', 'acc-1']);
    expect(outcome).toMatchObject({ outcome: 'connected' });

    const { api: api2 } = await verificationServer('Verification', () => 0);
    expect(await runJob(api2, 'job-1', fast)).toMatchObject({
      outcome: 'needs_attention',
      reason: 'The bank asks to choose an account',
      challenge: { kind: 'account_select' },
    });
  });
});

/**
 * The Sophtron client and job driver end to end against the sandbox over real HTTP: every test
 * bank's connection, failures, job timeouts, each fault kind, bad credentials, origin refusal, and
 * a camelCase re-keying proxy for casing variants.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TEST_BANKS, type RunningSandbox } from '../src/sandbox/index.js';
import { createSophtronClient, type SophtronClientOptions } from '../src/sophtron/client.js';
import { connectBank, refreshAccount, refreshConnection, runJob } from '../src/sophtron/connect.js';
import {
  SophtronConfigError,
  SophtronInvalidResponseError,
  SophtronNotFoundError,
  SophtronRateLimitedError,
  SophtronServerError,
} from '../src/sophtron/errors.js';
import type { Challenge, ChallengeAnswer } from '../src/domain/types.js';
import { call } from '../src/sandbox/test-helpers.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 7, pollsPerStep: 1 });
});
afterAll(async () => {
  await sandbox?.close();
});

function client(extra: Partial<SophtronClientOptions> = {}) {
  const user = sandbox.users[0]!;
  return createSophtronClient({
    userId: user.userId,
    accessKey: user.accessKey,
    baseUrl: sandbox.baseUrl,
    timeoutMs: 5_000,
    retryBudgetMs: 5_000,
    retryBaseDelayMs: 5,
    maxRetryDelayMs: 20,
    windowDays: 365,
    ...extra,
  });
}

const fast = { pollIntervalMs: 1, maxPollIntervalMs: 5, timeoutMs: 20_000 };

/** Answers like a person at the test banks: any captcha text, any answers, the first method, any code. */
function answerer(seen: Challenge[]) {
  return async (c: Challenge): Promise<ChallengeAnswer> => {
    seen.push(c);
    switch (c.kind) {
      case 'captcha':
        return { kind: 'captcha', text: 'asdf' };
      case 'security_questions':
        return { kind: 'security_questions', answers: c.questions.map(() => 'blue') };
      case 'token_method':
        return { kind: 'token_method', method: c.methods[0]! };
      case 'token_input':
        return { kind: 'token_input', code: '123456' };
      case 'token_read':
        return { kind: 'token_read', approved: true };
      case 'account_select':
        return { kind: 'account_select', accountId: c.accounts[0]!.accountId };
    }
  };
}

describe('every test bank connects end to end', () => {
  it.each(TEST_BANKS.map((b) => [b.name, b.id] as const))('%s', async (name, id) => {
    const api = client();
    const found = await api.searchInstitutions(name);
    expect(found[0]).toMatchObject({ id, name });
    const seen: Challenge[] = [];
    const progress: number[] = [];
    const outcome = await connectBank(
      api,
      { institutionId: id, username: 'asdfg12X', password: 'asdfg12X' },
      { ...fast, onChallenge: answerer(seen), onProgress: (p) => progress.push(p.polls) },
    );
    expect(outcome).toMatchObject({ outcome: 'connected', userInstitutionId: outcome.userInstitutionId });
    expect(progress.length).toBeGreaterThan(0);
    const bank = TEST_BANKS.find((b) => b.id === id)!;
    expect(seen.map((c) => c.kind)).toEqual(
      bank.mfa.map(
        (m) =>
          ({
            captcha: 'captcha',
            securityQuestion: 'security_questions',
            tokenMethod: 'token_method',
            tokenInput: 'token_input',
            tokenRead: 'token_read',
          })[m.kind],
      ),
    );
    for (const c of seen) {
      if (c.kind === 'captcha') expect(Buffer.from(c.image.subarray(0, 4)).toString('hex')).toBe('89504e47');
      if (c.kind === 'security_questions') expect(c.questions.length).toBeGreaterThan(0);
      if (c.kind === 'token_read') expect(c.code).toMatch(/\S/);
    }

    const connections = await api.listConnections();
    expect(connections.map((c) => c.userInstitutionId)).toContain(outcome.userInstitutionId);
    const one = await api.getConnection(outcome.userInstitutionId);
    expect(one).toMatchObject({ institutionId: id, username: 'asdfg12X' });

    const accounts = await api.listAccounts(outcome.userInstitutionId);
    expect(accounts.length).toBeGreaterThan(0);
    const a = accounts[0]!;
    expect(a.userInstitutionId).toBe(outcome.userInstitutionId);
    expect(Number.isInteger(a.balance)).toBe(true);
    expect(await api.getAccount(a.accountId)).toEqual(a);

    // Test banks' data starts in 2021: a multi-year read in 365-day windows, checked against the truth.
    const today = sandbox.control.today();
    const txs = await api.getTransactions(a.accountId, '2021-01-01', today);
    const truth = sandbox.control.transactions(a.accountId);
    expect(txs.map((t) => t.transactionId).sort()).toEqual(truth.map((t) => t.transactionId).sort());
    const byId = new Map(truth.map((t) => [t.transactionId, t]));
    for (const t of txs) {
      expect(t.amount).toBe(byId.get(t.transactionId)!.amountCents);
      expect(t.date).toBe(byId.get(t.transactionId)!.date);
      expect(t.status).toBe(byId.get(t.transactionId)!.status);
    }
    expect(api.callCounts()['Transaction/GetTransactionsByTransactionDate']).toBeGreaterThan(1);
  });
});

describe('verification connect (single account select)', () => {
  it('raises account_select after the MFA, with masked names only; the pick completes the job', async () => {
    const api = client();
    const bank = TEST_BANKS.find((b) => b.name === 'Sophtron Bank')!;
    const seen: Challenge[] = [];
    const outcome = await connectBank(
      api,
      { institutionId: bank.id, username: 'asdfg12X', password: 'asdfg12X', verification: true },
      { ...fast, onChallenge: answerer(seen) },
    );
    expect(outcome).toMatchObject({ outcome: 'connected' });
    expect(seen.at(-1)?.kind).toBe('account_select');
    expect(seen.filter((c) => c.kind === 'account_select')).toHaveLength(1);
    const select = seen.at(-1) as Extract<Challenge, { kind: 'account_select' }>;
    const accounts = await api.listAccounts(outcome.userInstitutionId);
    expect(select.accounts.map((a) => a.accountId)).toEqual(accounts.map((a) => a.accountId));
    expect(select.accounts[0]!.name).toContain(accounts[0]!.name);

    // The sandbox holds full numbers for this connection; none reaches the challenge or the outcome.
    const raw = await call(
      sandbox.baseUrl,
      sandbox.users[0]!,
      'POST',
      'UserInstitution/GetUserInstitutionAccounts',
      {
        UserInstitutionID: outcome.userInstitutionId,
      },
    );
    const full: string[] = raw.json.map((a: { FullAccountNumber: string }) => a.FullAccountNumber);
    expect(full.every((n) => /^\d{6,}$/.test(n))).toBe(true);
    for (const n of full) expect(JSON.stringify([seen.at(-1), outcome, accounts])).not.toContain(n);

    expect(api.callCounts()['UserInstitution/CreateUserInstitutionWithFullAccountNumbers']).toBe(1);
    expect(api.callCounts()['UserInstitutionAccount/GetFullAccountNumberWithinJob']).toBe(1);
    const info = await api.getJobInfo(outcome.jobId);
    expect(info).toMatchObject({ jobType: 'Verification', state: { state: 'succeeded' } });
  });

  it('without a person the verification job needs attention at the account choice', async () => {
    const bankId = TEST_BANKS.find((b) => b.name === 'Sophtron Bank NoMFA')!.id;
    const outcome = await connectBank(
      client(),
      { institutionId: bankId, username: 'asdf', password: 'asdf', verification: true },
      fast,
    );
    expect(outcome).toMatchObject({
      outcome: 'needs_attention',
      challenge: { kind: 'account_select', accounts: expect.arrayContaining([expect.anything()]) },
    });
  });
});

describe('connection outcomes', () => {
  const bankId = TEST_BANKS.find((b) => b.name === 'Sophtron Bank NoMFA')!.id;

  it("a wrong bank password fails with Sophtron's message", async () => {
    const outcome = await connectBank(
      client(),
      { institutionId: bankId, username: 'asdf', password: 'wrong' },
      fast,
    );
    expect(outcome).toMatchObject({ outcome: 'failed', message: 'Invalid credentials' });
  });

  it('a job that never ends times out', async () => {
    const slow = await startSandbox({ port: 0, seed: 8, pollsPerStep: 1_000_000 });
    try {
      const user = slow.users[0]!;
      const api = createSophtronClient({
        userId: user.userId,
        accessKey: user.accessKey,
        baseUrl: slow.baseUrl,
      });
      const outcome = await connectBank(
        api,
        { institutionId: bankId, username: 'asdf', password: 'asdf' },
        { pollIntervalMs: 5, maxPollIntervalMs: 10, timeoutMs: 150 },
      );
      expect(outcome.outcome).toBe('timed_out');
      expect(outcome.outcome === 'timed_out' && outcome.afterMs).toBeGreaterThanOrEqual(150);
    } finally {
      await slow.close();
    }
  });

  it('a refresh without someone to answer ends as needs_attention, not an error', async () => {
    const api = client();
    const done = await connectBank(api, { institutionId: bankId, username: 'asdf', password: 'asdf' }, fast);
    expect(done.outcome).toBe('connected');
    sandbox.control.failNext(done.userInstitutionId, 'mfa');
    const r = await refreshConnection(api, done.userInstitutionId, fast);
    expect(r).toMatchObject({
      outcome: 'needs_attention',
      reason: 'The bank asks for a security answer',
      challenge: { kind: 'security_questions' },
    });
    const [account] = await api.listAccounts(done.userInstitutionId);
    const again = await refreshAccount(api, account!.accountId, fast);
    expect(again).toMatchObject({ outcome: 'connected', userInstitutionId: done.userInstitutionId });
    sandbox.control.failNext(done.userInstitutionId, 'fail');
    expect(await refreshConnection(api, done.userInstitutionId, fast)).toMatchObject({ outcome: 'failed' });
  });

  it('update gives a new login (a wrong one fails), delete removes the connection', async () => {
    const api = client();
    const done = await connectBank(api, { institutionId: bankId, username: 'asdf', password: 'asdf' }, fast);
    const { jobId } = await api.updateConnection(done.userInstitutionId, {
      username: 'asdf',
      password: 'fail',
    });
    expect(await runJob(api, jobId, fast)).toMatchObject({
      outcome: 'failed',
      message: 'Invalid credentials',
    });
    const again = await api.updateConnection(done.userInstitutionId, { username: 'asdf', password: 'asdf' });
    expect(await runJob(api, again.jobId, fast)).toEqual({
      outcome: 'connected',
      userInstitutionId: done.userInstitutionId,
    });
    await api.deleteConnection(done.userInstitutionId);
    expect((await api.listConnections()).map((c) => c.userInstitutionId)).not.toContain(
      done.userInstitutionId,
    );
    await expect(api.getConnection(done.userInstitutionId)).rejects.toBeInstanceOf(SophtronNotFoundError);
  });

  it('a refused answer is asked again, and a bounded number of times', async () => {
    const api = client();
    const multi = TEST_BANKS.find((b) => b.name === 'Sophtron Bank SecurityQuestion Multiple')!;
    let asked = 0;
    const outcome = await connectBank(
      api,
      { institutionId: multi.id, username: 'asdf', password: 'asdf' },
      {
        ...fast,
        maxAnswerAttempts: 3,
        // One answer for three questions: the sandbox answers -1 each time.
        onChallenge: async () => {
          asked++;
          return { kind: 'security_questions', answers: ['blue'] };
        },
      },
    );
    expect(asked).toBe(3);
    expect(outcome).toMatchObject({
      outcome: 'failed',
      message: expect.stringMatching(/refused the answer 3 times/),
    });
  });
});

describe('faults: recovered within the budget, reported clearly when not', () => {
  const ENDPOINT = 'GetUserInstitutionsByUser';
  it.each(['429', '500', '503', 'reset', 'malformed', 'truncate', 'delay'] as const)(
    '%s twice → recovered',
    async (kind) => {
      sandbox.control.scriptFault({ endpoint: ENDPOINT, kind, count: 2, retryAfter: 0, delayMs: 300 });
      const api = client({ timeoutMs: kind === 'delay' ? 100 : 5_000 });
      const list = await api.listConnections();
      expect(Array.isArray(list)).toBe(true);
      expect(api.callCounts()[`UserInstitution/${ENDPOINT}`]).toBe(3);
      sandbox.control.clearFaults();
    },
  );

  it('a lasting 429 is a RateLimited error, not an empty list', async () => {
    sandbox.control.scriptFault({
      endpoint: 'GetTransactionsByTransactionDate',
      kind: '429',
      count: 1000,
      retryAfter: 0,
    });
    try {
      await expect(
        client({ retryBudgetMs: 200 }).getTransactions('x', '2021-01-01', '2021-01-31'),
      ).rejects.toBeInstanceOf(SophtronRateLimitedError);
    } finally {
      sandbox.control.clearFaults();
    }
  });

  it('lasting 503 → Server error; lasting garbage or cut-off answers → InvalidResponse', async () => {
    try {
      sandbox.control.scriptFault({ endpoint: ENDPOINT, kind: '503', count: 1000 });
      await expect(client({ retryBudgetMs: 100 }).listConnections()).rejects.toBeInstanceOf(
        SophtronServerError,
      );
      sandbox.control.clearFaults();
      sandbox.control.scriptFault({ endpoint: ENDPOINT, kind: 'malformed', count: 1000 });
      await expect(client({ retryBudgetMs: 100 }).listConnections()).rejects.toBeInstanceOf(
        SophtronInvalidResponseError,
      );
      sandbox.control.clearFaults();
      sandbox.control.scriptFault({ endpoint: ENDPOINT, kind: 'truncate', count: 1000 });
      await expect(client({ retryBudgetMs: 100 }).listConnections()).rejects.toThrow(
        "Sophtron's GetUserInstitutionsByUser answer was cut off",
      );
    } finally {
      sandbox.control.clearFaults();
    }
  });

  it('creating a connection is not retried on a fault', async () => {
    sandbox.control.scriptFault({ endpoint: 'CreateUserInstitution', kind: '500', count: 1 });
    const api = client();
    await expect(
      api.createConnection({ institutionId: TEST_BANKS[1]!.id, username: 'asdf', password: 'asdf' }),
    ).rejects.toBeInstanceOf(SophtronServerError);
    expect(api.callCounts()['UserInstitution/CreateUserInstitution']).toBe(1);
    sandbox.control.clearFaults();
  });
});

describe('credentials and addresses', () => {
  it('a wrong key is rejected; a non-base64 key never reaches the wire', async () => {
    const api = createSophtronClient({
      userId: sandbox.users[0]!.userId,
      accessKey: Buffer.from('not the key').toString('base64'),
      baseUrl: sandbox.baseUrl,
    });
    expect(await api.testCredentials()).toEqual({
      result: 'rejected',
      message: 'Sophtron rejected this User ID or Access Key',
    });
    expect(await client().testCredentials()).toEqual({ result: 'accepted' });
    expect(() =>
      createSophtronClient({
        userId: sandbox.users[0]!.userId,
        accessKey: 'sk_live_$$$',
        baseUrl: sandbox.baseUrl,
      }),
    ).toThrow(
      new SophtronConfigError('the Access Key must be the base64 text shown in the Sophtron dashboard'),
    );
  });

  it('plain http to a non-loopback host is refused before any call', () => {
    expect(() => client({ baseUrl: 'http://sophtron.example/api' })).toThrow(/must use https/);
  });

  it('the base URL may be given without /api or with /v2', async () => {
    const origin = new URL(sandbox.baseUrl).origin;
    expect(await client({ baseUrl: origin }).testCredentials()).toEqual({ result: 'accepted' });
    expect(await client({ baseUrl: `${sandbox.baseUrl}/v2/` }).testCredentials()).toEqual({
      result: 'accepted',
    });
  });

  it('strict auth (vendor recipe only) accepts this client', async () => {
    const strict = await startSandbox({ port: 0, seed: 9, pollsPerStep: 1, strictAuth: true });
    try {
      const u = strict.users[0]!;
      const api = createSophtronClient({ userId: u.userId, accessKey: u.accessKey, baseUrl: strict.baseUrl });
      expect(await api.testCredentials()).toEqual({ result: 'accepted' });
      expect(await api.searchInstitutions('Sophtron Bank')).not.toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});

describe('casing variants (camelCase proxy in front of the sandbox)', () => {
  const camel = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(camel)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v).map(([k, x]) => [
              k[0]!.toLowerCase() + k.slice(1).replace(/ID$/, 'Id'),
              camel(x),
            ]),
          )
        : v;

  it('connects and reads with camelCase keys and Id spellings', async () => {
    const target = new URL(sandbox.baseUrl);
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const up = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (upRes) => {
            const body: Buffer[] = [];
            upRes.on('data', (c: Buffer) => body.push(c));
            upRes.on('end', () => {
              const text = Buffer.concat(body).toString('utf8');
              let out = text;
              try {
                out = JSON.stringify(camel(JSON.parse(text)));
              } catch {
                // not JSON: pass through
              }
              res.writeHead(upRes.statusCode ?? 500, { 'content-type': 'application/json' });
              res.end(out);
            });
          },
        );
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const api = client({ baseUrl: `http://127.0.0.1:${port}/api` });
      const bank = TEST_BANKS.find((b) => b.name === 'Sophtron Bank')!;
      const outcome = await connectBank(
        api,
        { institutionId: bank.id, username: 'asdfg12X', password: 'asdfg12X' },
        { ...fast, onChallenge: answerer([]) },
      );
      expect(outcome.outcome).toBe('connected');
      const [a] = await api.listAccounts(outcome.userInstitutionId);
      const txs = await api.getTransactions(a!.accountId, '2021-01-01', sandbox.control.today());
      expect(txs.length).toBe(sandbox.control.transactions(a!.accountId).length);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});

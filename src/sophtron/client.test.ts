import { afterEach, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type Reply,
  type SeenRequest,
  type TestServer,
} from '../../test/fakes/scripted-http.js';
import { normalizeBaseUrl } from './base-url.js';
import {
  createSophtronClient,
  TEST_CREDENTIALS_LIMITS,
  createSophtronClientFromConfig,
  type SophtronClientOptions,
} from './client.js';
import type { SophtronError } from './errors.js';
import {
  SophtronAuthError,
  SophtronConfigError,
  SophtronInvalidResponseError,
  SophtronNetworkError,
  SophtronRateLimitedError,
  SophtronRefusedError,
  SophtronServerError,
  SophtronTimeoutError,
  errorFromResponse,
} from './errors.js';
import { parseRetryAfter } from '../http/retry.js';
import { sign } from './signing.js';

const userId = '11111111-2222-3333-4444-555555555555';
const accessKey = 'c29waHRyb24tdGVzdC1rZXktMDEyMzQ1Njc4OQ==';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: (req: SeenRequest, previous: number) => Reply | Promise<Reply>) {
  const s = await startTestServer(handler);
  servers.push(s);
  return s;
}

const sleeps: number[] = [];
function client(baseUrl: string, extra: Partial<SophtronClientOptions> = {}) {
  sleeps.length = 0;
  return createSophtronClient({
    userId,
    accessKey,
    baseUrl,
    retryBudgetMs: 10_000,
    random: () => 1,
    retryBaseDelayMs: 10,
    maxRetryDelayMs: 40,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
}

const account = (id: string) => ({
  AccountID: id,
  AccountName: `Acc ${id}`,
  AccountNumber: '1234',
  Balance: 1,
});

describe('base URL', () => {
  it.each([
    ['https://api.sophtron.com/api', 'https://api.sophtron.com/api'],
    ['https://api.sophtron.com/api/', 'https://api.sophtron.com/api'],
    ['https://api.sophtron.com', 'https://api.sophtron.com/api'],
    ['https://api.sophtron.com/', 'https://api.sophtron.com/api'],
    ['https://api.sophtron.com/api/v2', 'https://api.sophtron.com/api'],
    ['https://api.sophtron.com/api/v2/', 'https://api.sophtron.com/api'],
    ['https://api.sophtron-prod.com', 'https://api.sophtron-prod.com/api'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010/api'],
    ['http://localhost:4010/api', 'http://localhost:4010/api'],
    ['http://[::1]:4010/', 'http://[::1]:4010/api'],
    ['', 'https://api.sophtron.com/api'],
  ])('%s → %s', (input, want) => {
    expect(normalizeBaseUrl(input)).toBe(want);
  });

  it.each([
    ['http://api.sophtron.com/api', /must use https/],
    ['http://10.0.0.5/api', /must use https/],
    ['ftp://api.sophtron.com', /must start with https/],
    ['not a url', /not a web address/],
    ['https://u:p@api.sophtron.com', /user name or password/],
    ['https://api.sophtron.com/api?x=1', /query/],
  ])('refuses %s', (input, message) => {
    expect(() => normalizeBaseUrl(input)).toThrow(message);
    expect(() => normalizeBaseUrl(input)).toThrow(SophtronConfigError);
  });
});

describe('credentials are checked before any call', () => {
  it('names the missing settings', () => {
    expect(() => createSophtronClient({ userId: undefined, accessKey: undefined })).toThrow(
      'set SOPHTRON_USER_ID and SOPHTRON_ACCESS_KEY',
    );
    expect(() => createSophtronClient({ userId: '', accessKey })).toThrow(/SOPHTRON_USER_ID/);
    expect(() => createSophtronClient({ userId, accessKey: '  ' })).toThrow(/SOPHTRON_ACCESS_KEY/);
  });

  it('a key that is not base64 is a clear error, not a crash, and is never echoed', () => {
    let err: unknown;
    try {
      createSophtronClient({ userId, accessKey: 'my secret key!' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SophtronConfigError);
    expect((err as Error).message).toBe(
      'the Access Key must be the base64 text shown in the Sophtron dashboard',
    );
  });

  it('from config', async () => {
    const s = await serve(() => ({ body: 'OK' }));
    const c = createSophtronClientFromConfig({
      sophtronUserId: userId,
      sophtronAccessKey: accessKey,
      sophtronBaseUrl: s.url,
      sophtronTimeoutMs: 5000,
      sophtronRetryBudgetMs: 0,
      sophtronWindowDays: 30,
    });
    expect(await c.testCredentials()).toEqual({ result: 'accepted' });
  });
});

describe('requests', () => {
  it('signs every request by the vendor recipe and sends the documented bodies', async () => {
    const s = await serve((req) => {
      if (req.path.endsWith('/GetUserInstitutionsByUser')) return { body: [] };
      if (req.path.endsWith('/CreateUserInstitution'))
        return { body: { JobID: 'j1', UserInstitutionID: 'u1' } };
      return { body: 'healthy' };
    });
    const c = client(s.url);
    expect(await c.testCredentials()).toEqual({ result: 'accepted' });
    expect(await c.listConnections()).toEqual([]);
    expect(await c.createConnection({ institutionId: 'i1', username: 'bob', password: 'pw' })).toEqual({
      jobId: 'j1',
      userInstitutionId: 'u1',
    });
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/Institution/HealthCheckAuth',
      'POST /api/UserInstitution/GetUserInstitutionsByUser',
      'POST /api/UserInstitution/CreateUserInstitution',
    ]);
    for (const r of s.requests) {
      expect(r.headers.authorization).toBe(
        sign(r.method, `${s.url.replace('/api', '')}${r.path}`, userId, accessKey),
      );
    }
    expect(s.requests[0]!.headers.authorization).toMatch(/:\/healthcheckauth$/);
    expect(s.requests[1]!.body).toEqual({ UserID: userId });
    expect(s.requests[2]!.body).toEqual({
      UserID: userId,
      InstitutionID: 'i1',
      UserName: 'bob',
      Password: 'pw',
      PIN: '',
    });
    expect(c.callCounts()).toEqual({
      'Institution/HealthCheckAuth': 1,
      'UserInstitution/GetUserInstitutionsByUser': 1,
      'UserInstitution/CreateUserInstitution': 1,
    });
  });

  it('testCredentials: rejected on 401 and 403, unreachable when nothing listens', async () => {
    const s = await serve((_r, n) => ({
      status: n === 0 ? 401 : 403,
      body: { Message: 'Authorization has been denied' },
    }));
    const c = client(s.url);
    expect(await c.testCredentials()).toEqual({
      result: 'rejected',
      message: 'Sophtron rejected this User ID or Access Key',
    });
    expect(await c.testCredentials()).toMatchObject({ result: 'rejected' });
    await s.close();
    const r = await client(s.url, { retryBudgetMs: 0 }).testCredentials();
    expect(r.result).toBe('unreachable');
    expect(r.result === 'unreachable' && r.message).toMatch(
      /Could not reach Sophtron at http:\/\/127\.0\.0\.1/,
    );
  });

  it('testCredentials answers within seconds (its own short retry budget), where reads keep trying', async () => {
    const s = await serve(() => ({ status: 503 }));
    let t = 0;
    const clock = {
      retryBudgetMs: 120_000,
      maxRetryDelayMs: 2_000,
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
    };
    const r = await client(s.url, clock).testCredentials();
    expect(r).toMatchObject({ result: 'unreachable', message: expect.stringContaining('503') });
    expect(t).toBeLessThanOrEqual(TEST_CREDENTIALS_LIMITS.budgetMs);
    t = 0;
    await expect(client(s.url, clock).listConnections()).rejects.toBeInstanceOf(SophtronServerError);
    expect(t).toBeGreaterThan(60_000);
  });

  it('an Auth error on a read is typed and not retried', async () => {
    const s = await serve(() => ({ status: 401 }));
    await expect(client(s.url).listConnections()).rejects.toBeInstanceOf(SophtronAuthError);
    expect(s.requests).toHaveLength(1);
  });

  it('retries reads on 429 (honouring Retry-After), 5xx, 408 and cut-off JSON, then answers', async () => {
    const script: Reply[] = [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503 },
      { status: 408 },
      { body: '[{"AccountID":"a1","AccountNa' },
      { status: 500 },
      { body: [account('a1')] },
    ];
    const s = await serve((_r, n) => script[n]!);
    const c = client(s.url, { retryBudgetMs: 60_000 });
    const accounts = await c.listAccounts('ui-1');
    expect(accounts.map((a) => a.accountId)).toEqual(['a1']);
    expect(s.requests).toHaveLength(6);
    expect(sleeps[0]).toBe(2000);
    // Exponential backoff (random() = 1 gives the cap of each step).
    expect(sleeps.slice(1)).toEqual([20, 40, 40, 40]);
    expect(c.callCounts()['UserInstitution/GetUserInstitutionAccounts']).toBe(6);
  });

  it('a lasting 429 is a RateLimited error when the budget runs out, never an empty list', async () => {
    const s = await serve(() => ({ status: 429, headers: { 'retry-after': '1' } }));
    let err: unknown;
    try {
      await client(s.url, { retryBudgetMs: 3_500, now: fakeClock() }).getTransactions(
        'a1',
        '2021-01-01',
        '2021-01-31',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SophtronRateLimitedError);
    expect((err as SophtronRateLimitedError).retryAfterMs).toBe(1000);
    expect((err as Error).message).toMatch(/limiting the request rate/);
    expect(s.requests.length).toBeGreaterThan(1);
  });

  it('a Retry-After longer than the budget ends at once', async () => {
    const s = await serve(() => ({ status: 429, headers: { 'retry-after': '600' } }));
    await expect(client(s.url).listConnections()).rejects.toBeInstanceOf(SophtronRateLimitedError);
    expect(s.requests).toHaveLength(1);
  });

  it('lasting 5xx → Server error; lasting garbage → InvalidResponse', async () => {
    const s5 = await serve(() => ({ status: 502 }));
    await expect(client(s5.url, { retryBudgetMs: 100 }).listConnections()).rejects.toBeInstanceOf(
      SophtronServerError,
    );
    const sj = await serve(() => ({ body: '<html>oops' }));
    await expect(client(sj.url, { retryBudgetMs: 100 }).listConnections()).rejects.toThrow(
      "Sophtron's GetUserInstitutionsByUser answer is not valid JSON (it may have been cut off)",
    );
    await expect(client(sj.url, { retryBudgetMs: 0 }).listConnections()).rejects.toBeInstanceOf(
      SophtronInvalidResponseError,
    );
  });

  it('a wrong shape is not retried and names the field', async () => {
    const s = await serve(() => ({ body: [account('a'), account('b'), { AccountName: 'x' }] }));
    await expect(client(s.url).listAccounts('u')).rejects.toThrow(
      "Sophtron's GetUserInstitutionAccounts answer is missing AccountID in item 3",
    );
    expect(s.requests).toHaveLength(1);
  });

  it('calls that create or answer are never retried', async () => {
    const s = await serve(() => ({ status: 503 }));
    const c = client(s.url);
    await expect(
      c.createConnection({ institutionId: 'i', username: 'u', password: 'p' }),
    ).rejects.toBeInstanceOf(SophtronServerError);
    await expect(c.deleteConnection('u')).rejects.toBeInstanceOf(SophtronServerError);
    await expect(c.updateConnection('u', { username: 'u', password: 'p' })).rejects.toBeInstanceOf(
      SophtronServerError,
    );
    await expect(c.answerChallenge('j', { kind: 'token_input', code: '1' })).rejects.toBeInstanceOf(
      SophtronServerError,
    );
    expect(s.requests).toHaveLength(4);
  });

  it('refreshes only start a job: retried like reads on 429 and 5xx, and an error says how often', async () => {
    const script: Reply[] = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }];
    const s = await serve((_r, n) => script[n] ?? { body: { JobID: `job-${n}` } });
    const c = client(s.url);
    expect(await c.refreshAccount('a')).toEqual({ jobId: 'job-2' });
    expect(s.requests).toHaveLength(3);
    expect(sleeps[0]).toBe(1000);
    const s2 = await serve((_r, n) => (n < 1 ? { status: 500 } : { body: { JobID: 'j' } }));
    expect(await client(s2.url).refreshConnection('u')).toEqual({ jobId: 'j' });
    expect(s2.requests).toHaveLength(2);

    const down = await serve(() => ({ status: 503 }));
    const retried = await client(down.url, { retryBudgetMs: 100 })
      .refreshAccount('a')
      .then(
        () => null,
        (e: unknown) => e as SophtronError,
      );
    expect(retried).toBeInstanceOf(SophtronServerError);
    expect(retried?.retries).toBe(down.requests.length - 1);
    expect(retried?.retries).toBeGreaterThan(0);
    const once = await client(down.url, { retryBudgetMs: 0 })
      .refreshAccount('a')
      .then(
        () => null,
        (e: unknown) => e as SophtronError,
      );
    expect(once?.retries).toBe(0);
  });

  it('each request has a timeout; reads retry it, then report it', async () => {
    const s = await serve(() => ({ delayMs: 300, body: [] }));
    const c = client(s.url, { timeoutMs: 50, retryBudgetMs: 0 });
    await expect(c.listConnections()).rejects.toBeInstanceOf(SophtronTimeoutError);
    await expect(c.listConnections()).rejects.toThrow(
      /did not answer UserInstitution\/GetUserInstitutionsByUser within 50 ms/,
    );
  });

  it('a dropped connection is a Network error', async () => {
    const s = await serve(() => ({ destroy: true }));
    await expect(client(s.url, { retryBudgetMs: 0 }).listConnections()).rejects.toBeInstanceOf(
      SophtronNetworkError,
    );
  });

  it('never follows a redirect to another origin (nor the same one)', async () => {
    const other = await serve(() => ({ body: [] }));
    const s = await serve(() => ({ status: 302, headers: { location: `${other.url}/steal` } }));
    const err = await client(s.url)
      .listConnections()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SophtronRefusedError);
    expect((err as Error).message).toContain(`redirect to ${new URL(other.url).origin}`);
    expect(other.requests).toHaveLength(0);
  });

  it('errors never carry the Access Key or the bank password', async () => {
    const s = await serve((req) => ({
      status: 400,
      body: { Message: `bad login ${(req.body as { Password?: string }).Password} with ${accessKey}` },
    }));
    const err = (await client(s.url)
      .createConnection({ institutionId: 'i', username: 'u', password: 'hunter2-secret' })
      .catch((e: unknown) => e)) as SophtronError;
    const everything = `${err.message} ${String((err.cause as Error).message)} ${JSON.stringify(err)}`;
    expect(err.kind).toBe('bad_request');
    expect(everything).not.toContain('hunter2-secret');
    expect(everything).not.toContain(accessKey);
    expect(err.message).toContain('[redacted]');
  });

  it('reads transactions in windows, merged and deduplicated by TransactionID', async () => {
    const s = await serve((req) => {
      const b = req.body as { StartDate: string; EndDate: string };
      const tx = (id: string, date: string, status = 'Posted') => ({
        TransactionID: id,
        Amount: -1.5,
        TransactionDate: `${date}T00:00:00`,
        Status: status,
      });
      // The server repeats a row in two windows (pending first, then posted).
      if (b.StartDate === '2021-01-01')
        return { body: [tx('t1', '2021-01-02'), tx('t2', '2021-01-10', 'Pending')] };
      return { body: { Transactions: [tx('t2', '2021-01-10'), tx('t3', b.EndDate)] } };
    });
    const c = client(s.url, { windowDays: 10 });
    const rows = await c.getTransactions('a1', '2021-01-01', '2021-01-25');
    expect(s.requests.map((r) => r.body)).toEqual([
      { AccountID: 'a1', StartDate: '2021-01-01', EndDate: '2021-01-10' },
      { AccountID: 'a1', StartDate: '2021-01-11', EndDate: '2021-01-20' },
      { AccountID: 'a1', StartDate: '2021-01-21', EndDate: '2021-01-25' },
    ]);
    expect(rows.map((t) => [t.transactionId, t.date, t.status, t.amount])).toEqual([
      ['t1', '2021-01-02', 'posted', -150],
      ['t2', '2021-01-10', 'posted', -150],
      ['t3', '2021-01-20', 'posted', -150],
    ]);
    await expect(c.getTransactions('a1', '2021-13-01', '2021-01-25')).rejects.toThrow(/from must be a date/);
  });

  it('searches institutions by name, deduplicated', async () => {
    const s = await serve(() => ({
      body: [
        { InstitutionID: 'i1', InstitutionName: 'Sophtron Bank' },
        { InstitutionID: 'i1', InstitutionName: 'Sophtron Bank' },
        { InstitutionID: 'i2', InstitutionName: 'Sophtron Bank NoMFA' },
      ],
    }));
    const found = await client(s.url).searchInstitutions(' sophtron bank ');
    expect(found.map((i) => i.id)).toEqual(['i1', 'i2']);
    expect(s.requests[0]!.body).toEqual({ InstitutionName: 'sophtron bank' });
  });

  it('answers: JSON-array security answers, verbatim token choice, code, phone flag; -1 → false', async () => {
    const s = await serve((req) => ({ body: req.path.endsWith('UpdateJobSecurityAnswer') ? -1 : 0 }));
    const c = client(s.url);
    expect(await c.answerChallenge('j', { kind: 'security_questions', answers: ['blue', 'rex'] })).toBe(
      false,
    );
    expect(
      await c.answerChallenge('j', { kind: 'token_method', method: 'Text message 1 (•••) •••-0102' }),
    ).toBe(true);
    expect(await c.answerChallenge('j', { kind: 'token_input', code: '123456' })).toBe(true);
    expect(await c.answerChallenge('j', { kind: 'token_read', approved: true })).toBe(true);
    expect(s.requests.map((r) => [r.path, r.body])).toEqual([
      ['/api/Job/UpdateJobSecurityAnswer', { JobID: 'j', SecurityAnswer: '["blue","rex"]' }],
      [
        '/api/Job/UpdateJobTokenInput',
        { JobID: 'j', TokenChoice: 'Text message 1 (•••) •••-0102', TokenInput: null, VerifyPhoneFlag: null },
      ],
      [
        '/api/Job/UpdateJobTokenInput',
        { JobID: 'j', TokenChoice: null, TokenInput: '123456', VerifyPhoneFlag: null },
      ],
      [
        '/api/Job/UpdateJobTokenInput',
        { JobID: 'j', TokenChoice: null, TokenInput: null, VerifyPhoneFlag: true },
      ],
    ]);
  });

  it('captcha: UpdateJobCaptcha, and UpdateJobCaptchaInput when that route is unknown', async () => {
    const s = await serve((req) => (req.path.endsWith('/UpdateJobCaptcha') ? { status: 404 } : { body: 0 }));
    const c = client(s.url);
    expect(await c.answerChallenge('j', { kind: 'captcha', text: 'AB12' })).toBe(true);
    expect(await c.answerChallenge('j', { kind: 'captcha', text: 'CD34' })).toBe(true);
    expect(s.requests.map((r) => r.path)).toEqual([
      '/api/Job/UpdateJobCaptcha',
      '/api/Job/UpdateJobCaptchaInput',
      '/api/Job/UpdateJobCaptchaInput',
    ]);
    expect(s.requests[1]!.body).toEqual({ JobID: 'j', CaptchaInput: 'AB12' });
  });

  it('onCall sees every request', async () => {
    const seen: string[] = [];
    const s = await serve((_r, n) =>
      n === 0 ? { status: 500 } : { body: { JobID: 'j', SuccessFlag: true } },
    );
    const state = await client(s.url, { onCall: (e) => seen.push(e) }).getJob('j');
    expect(state).toMatchObject({ state: 'succeeded' });
    expect(seen).toEqual(['Job/GetJobInformationByID', 'Job/GetJobInformationByID']);
  });
});

describe('error factory', () => {
  const h = (v: Record<string, string>) => ({ get: (k: string) => v[k.toLowerCase()] ?? null });
  it('maps statuses to classes', () => {
    expect(errorFromResponse('X/Y', 401, h({}), '')).toBeInstanceOf(SophtronAuthError);
    expect(errorFromResponse('X/Y', 404, h({}), '{"Message":"No HTTP resource"}').message).toBe(
      'Sophtron found nothing for Y: No HTTP resource (HTTP 404)',
    );
    const rl = errorFromResponse(
      'X/Y',
      429,
      h({ 'retry-after': 'Wed, 21 Oct 2015 07:28:10 GMT' }),
      '',
      [],
      Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'),
    );
    expect(rl).toBeInstanceOf(SophtronRateLimitedError);
    expect((rl as SophtronRateLimitedError).retryAfterMs).toBe(10_000);
    expect(errorFromResponse('X/Y', 503, h({}), '').transient).toBe(true);
    expect(errorFromResponse('X/Y', 400, h({}), '').transient).toBe(false);
  });
  it('Retry-After: seconds, dates, garbage', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT')),
    ).toBe(0);
  });
});

/** A clock that moves forward by each sleep the client asks for (sleep is a no-op in these tests). */
function fakeClock() {
  return () => sleeps.reduce((a, b) => a + b, 0);
}

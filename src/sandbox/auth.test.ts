import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, parseAuthHeader } from './auth.js';
import { startSandbox, type RunningSandbox } from './index.js';
import { authHeader, call } from './test-helpers.js';

// The made-up credentials and expected signatures of sophtron-api.md §1.2.
const DOC_USER = {
  userId: '11111111-2222-3333-4444-555555555555',
  accessKey: 'c29waHRyb24tdGVzdC1rZXktMDEyMzQ1Njc4OQ==',
};
const VECTORS: [method: string, path: string, query: string, authPath: string, signature: string][] = [
  [
    'POST',
    '/api/UserInstitution/GetUserInstitutionAccounts',
    '',
    '/getuserinstitutionaccounts',
    'aZEX7UlE8z2soRTHWzgC8xO1S8BL4oOIIYR737Efnrk=',
  ],
  [
    'POST',
    '/api/Transaction/GetTransactionsByTransactionDate',
    '',
    '/gettransactionsbytransactiondate',
    '0E7cnWoOG/HABSbIsDoVdg/E+4KU3Wq/pTV2kvoE/qY=',
  ],
  [
    'GET',
    '/api/Institution/HealthCheckAuth',
    '',
    '/healthcheckauth',
    'Y0KwvxgiyfwKYBI521AvKpi+shPxvSlp7i7aF746bvE=',
  ],
  ['GET', '/api/v2/customers', '', '/customers', 'U96ebz2EsOoME4EJy4WmuXf12RD/rcDa/h55dzIQ9pE='],
  [
    'GET',
    '/api/v2/customers/aaaa/accounts/bbbb/transactions',
    'startDate=2024-01-01&endDate=2024-01-31',
    '/transactions?startdate=2024-01-01&enddate=2024-01-31',
    'Fa2d6jGRwm7PPaNqAZzY3Acy3p5meZwjFHbDtft6m8k=',
  ],
  [
    'GET',
    '/api/v2/customers/aaaa/accounts/bbbb/transactions',
    'startDate=2024-01-01&endDate=2024-01-31',
    '/transactions',
    'Q4wx2gq87PqFEC0fwvR8BpwtPLdlKJLF41mARABzkWw=',
  ],
  [
    'POST',
    '/api/UserInstitution/GetUserInstitutionAccounts',
    '',
    '/userinstitution/getuserinstitutionaccounts',
    'c5ICp6CUROA9Rx4XaghkSBDXcEBUvIdToffsNG3+u6o=',
  ],
];

describe('signature vectors of sophtron-api.md §1.2', () => {
  const auth = new Authenticator([DOC_USER], false);
  it.each(VECTORS)('%s %s (%s) -> %s', (method, path, query, authPath, sig) => {
    const header = `FIApiAUTH:${DOC_USER.userId}:${sig}:${authPath}`;
    expect(auth.check(method, header, path, query)).toEqual({ ok: true, userId: DOC_USER.userId });
    // One changed character of the signature is refused.
    const flipped = `FIApiAUTH:${DOC_USER.userId}:${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}:${authPath}`;
    expect(auth.check(method, flipped, path, query).ok).toBe(false);
    // The signature binds the method too.
    expect(auth.check(method === 'GET' ? 'POST' : 'GET', header, path, query).ok).toBe(false);
  });

  it('parses the header with a limit of 4 parts (the AuthPath may hold ":")', () => {
    expect(parseAuthHeader('FIApiAUTH:u:s:/a:b')).toEqual({ userId: 'u', signature: 's', authPath: '/a:b' });
    expect(parseAuthHeader('FIApiAUTH:u:s')).toBeNull();
    expect(parseAuthHeader('Bearer abc')).toBeNull();
    expect(parseAuthHeader('FIApiAUTH:u:s:nopath')).toBeNull();
  });
});

describe('auth over HTTP', () => {
  let sb: RunningSandbox;
  let strict: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ users: [DOC_USER], pollsPerStep: 1 });
    strict = await startSandbox({ users: [DOC_USER], strictAuth: true, pollsPerStep: 1 });
  });
  afterAll(async () => {
    await sb.close();
    await strict.close();
  });

  it('accepts the exact documented header of the health check', async () => {
    const r = await call(sb.baseUrl, DOC_USER, 'GET', 'Institution/HealthCheckAuth', undefined, {
      authorization: `FIApiAUTH:${DOC_USER.userId}:Y0KwvxgiyfwKYBI521AvKpi+shPxvSlp7i7aF746bvE=:/healthcheckauth`,
    });
    expect(r.status).toBe(200);
  });

  const unauthorized = { Message: 'Authorization has been denied for this request.' };
  const badCases: [string, string | null][] = [
    ['missing header', null],
    ['malformed header', 'FIApiAUTH:only-two'],
    ['Bearer scheme', 'Bearer abc'],
    [
      'unknown user',
      authHeader('GET', 'http://x/api/Institution/HealthCheckAuth', {
        userId: 'nobody',
        accessKey: DOC_USER.accessKey,
      }),
    ],
    ['bad signature', `FIApiAUTH:${DOC_USER.userId}:AAAA:/healthcheckauth`],
    [
      'wrong key',
      authHeader('GET', 'http://x/api/Institution/HealthCheckAuth', {
        userId: DOC_USER.userId,
        accessKey: 'b3RoZXI=',
      }),
    ],
    ['path not matching', authHeader('GET', 'http://x/api/v2/customers', DOC_USER)],
  ];
  it.each(badCases)('401 with the ASP.NET body: %s', async (_name, authorization) => {
    const r = await call(sb.baseUrl, DOC_USER, 'GET', 'Institution/HealthCheckAuth', undefined, {
      authorization,
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(unauthorized);
  });

  it('accepts variants A, A′, B and C in lenient mode', async () => {
    for (const variant of ['A', 'A-prime', 'B', 'C'] as const) {
      const v1 = await call(
        sb.baseUrl,
        DOC_USER,
        'POST',
        'UserInstitution/GetUserInstitutionsByUser',
        { UserID: DOC_USER.userId },
        { variant },
      );
      expect(v1.status, `v1 ${variant}`).toBe(200);
      const v2 = await call(sb.baseUrl, DOC_USER, 'GET', 'v2/customers?uniqueID=abc', undefined, { variant });
      expect(v2.status, `v2 ${variant}`).toBe(200);
    }
    // CGPT signs "/?uniqueid=x" for "v2/customers/?uniqueId=x".
    const cgpt = await call(sb.baseUrl, DOC_USER, 'GET', 'v2/customers/?uniqueId=x');
    expect(cgpt.status).toBe(200);
  });

  it('strict mode accepts only the vendor recipe', async () => {
    const v1 = (variant: 'A' | 'C') =>
      call(strict.baseUrl, DOC_USER, 'POST', 'UserInstitution/GetUserInstitutionsByUser', {}, { variant });
    expect((await v1('A')).status).toBe(200);
    expect((await v1('C')).status).toBe(401);
    // With a query the recipe signs from the last '/', query included: A′ (query stripped) is refused.
    const q = 'v2/customers?uniqueID=abc';
    expect((await call(strict.baseUrl, DOC_USER, 'GET', q, undefined, { variant: 'A' })).status).toBe(200);
    expect((await call(strict.baseUrl, DOC_USER, 'GET', q, undefined, { variant: 'A-prime' })).status).toBe(
      401,
    );
    expect((await call(strict.baseUrl, DOC_USER, 'GET', q, undefined, { variant: 'C' })).status).toBe(401);
    // B differs from the recipe when the query holds a '/': refused in strict mode, accepted leniently.
    const slashy = 'v2/institutions?query=2018/10';
    expect((await call(strict.baseUrl, DOC_USER, 'GET', slashy, undefined, { variant: 'B' })).status).toBe(
      401,
    );
    expect((await call(sb.baseUrl, DOC_USER, 'GET', slashy, undefined, { variant: 'B' })).status).toBe(200);
  });

  it('answers an unknown route with an ASP.NET-like 404 and a wrong method with 405', async () => {
    const r = await call(sb.baseUrl, DOC_USER, 'POST', 'Nope/Nothing', {});
    expect(r.status).toBe(404);
    expect(r.json.Message).toMatch(/No HTTP resource was found/);
    const m = await call(sb.baseUrl, DOC_USER, 'GET', 'UserInstitution/GetUserInstitutionsByUser');
    expect(m.status).toBe(405);
  });
});

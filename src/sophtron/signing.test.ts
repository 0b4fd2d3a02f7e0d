import { describe, expect, it } from 'vitest';
import { authPath, isValidAccessKey, parseAuthHeader, sign, signature } from './signing.js';

const userId = '11111111-2222-3333-4444-555555555555';
const key = 'c29waHRyb24tdGVzdC1rZXktMDEyMzQ1Njc4OQ==';
const base = 'https://api.sophtron.com/api';

describe('signing (docs/sophtron-api.md §1.2 vectors)', () => {
  it.each([
    [
      'POST',
      `${base}/UserInstitution/GetUserInstitutionAccounts`,
      '/getuserinstitutionaccounts',
      'aZEX7UlE8z2soRTHWzgC8xO1S8BL4oOIIYR737Efnrk=',
    ],
    [
      'POST',
      `${base}/Transaction/GetTransactionsByTransactionDate`,
      '/gettransactionsbytransactiondate',
      '0E7cnWoOG/HABSbIsDoVdg/E+4KU3Wq/pTV2kvoE/qY=',
    ],
    [
      'GET',
      `${base}/Institution/HealthCheckAuth`,
      '/healthcheckauth',
      'Y0KwvxgiyfwKYBI521AvKpi+shPxvSlp7i7aF746bvE=',
    ],
    ['GET', `${base}/v2/customers`, '/customers', 'U96ebz2EsOoME4EJy4WmuXf12RD/rcDa/h55dzIQ9pE='],
    [
      'GET',
      `${base}/v2/customers/aaaa/accounts/bbbb/transactions?startDate=2024-01-01&endDate=2024-01-31`,
      '/transactions?startdate=2024-01-01&enddate=2024-01-31',
      'Fa2d6jGRwm7PPaNqAZzY3Acy3p5meZwjFHbDtft6m8k=',
    ],
  ])('%s %s', (method, url, path, sig) => {
    expect(authPath(url)).toBe(path);
    expect(signature(method, path, key)).toBe(sig);
    expect(sign(method, url, userId, key)).toBe(`FIApiAUTH:${userId}:${sig}:${path}`);
  });

  it('variants A′ and C sign the same way over their own path', () => {
    expect(signature('GET', '/transactions', key)).toBe('Q4wx2gq87PqFEC0fwvR8BpwtPLdlKJLF41mARABzkWw=');
    expect(signature('POST', '/userinstitution/getuserinstitutionaccounts', key)).toBe(
      'c5ICp6CUROA9Rx4XaghkSBDXcEBUvIdToffsNG3+u6o=',
    );
  });

  it('the full header of the first row', () => {
    expect(sign('post', `${base}/UserInstitution/GetUserInstitutionAccounts`, userId, key)).toBe(
      'FIApiAUTH:11111111-2222-3333-4444-555555555555:aZEX7UlE8z2soRTHWzgC8xO1S8BL4oOIIYR737Efnrk=:/getuserinstitutionaccounts',
    );
  });

  it('parses a header back, keeping colons in the path', () => {
    expect(parseAuthHeader(`FIApiAUTH:${userId}:abc=:/a:b`)).toEqual({
      userId,
      signature: 'abc=',
      authPath: '/a:b',
    });
    expect(parseAuthHeader('Bearer x')).toBeNull();
    expect(parseAuthHeader('FIApiAUTH:only')).toBeNull();
  });

  it('recognises base64 access keys', () => {
    expect(isValidAccessKey(key)).toBe(true);
    expect(isValidAccessKey('not base64!')).toBe(false);
    expect(isValidAccessKey('abc')).toBe(true);
    expect(isValidAccessKey('abcde')).toBe(false);
    expect(isValidAccessKey('abc==')).toBe(false);
    expect(isValidAccessKey('ab$c')).toBe(false);
    expect(isValidAccessKey('')).toBe(false);
  });
});

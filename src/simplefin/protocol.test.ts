/** The pure parts of SimpleFIN: query parsing, dates, amounts, names, errors, limits, refresh, secrets. */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import type { SimplefinAccountRow } from '../store/simplefin.js';
import {
  accessUrlFor,
  claimUrl,
  parseBasicAuth,
  secretMatches,
  hashSecret,
  setupTokenFor,
  simplefinRoot,
} from './credentials.js';
import { rateDecision } from './limits.js';
import {
  accountJson,
  accountSetErrors,
  decimalAmount,
  misreadByCentsClients,
  noonUtc,
  parseAccountsQuery,
  servedRange,
  signedBalance,
  transactionJson,
  uniqueNames,
} from './protocol.js';
import { refreshDecision } from './refresh.js';

const q = (s: string) => parseAccountsQuery(new URLSearchParams(s));

describe('the /accounts query', () => {
  it('reads every parameter, repeated accounts included', () => {
    expect(
      q('start-date=10.9&end-date=20&pending=1&account=a&account=b&account=a&balances-only=1&version=2'),
    ).toEqual({
      ok: true,
      query: {
        startDate: 10,
        endDate: 20,
        pending: true,
        accountIds: ['a', 'b'],
        balancesOnly: true,
        version: 2,
      },
    });
    expect(q('')).toEqual({
      ok: true,
      query: {
        startDate: null,
        endDate: null,
        pending: false,
        accountIds: [],
        balancesOnly: false,
        version: 1,
      },
    });
  });

  it('pending is on when present (as on the Bridge) except 0/false', () => {
    for (const [text, on] of [
      ['pending=1', true],
      ['pending=true', true],
      ['pending', true],
      ['pending=0', false],
      ['pending=false', false],
    ] as const)
      expect((q(text) as { query: { pending: boolean } }).query.pending, text).toBe(on);
  });

  it('names the field of a bad value', () => {
    expect(q('start-date=yesterday')).toEqual({
      ok: false,
      error: 'start-date: must be a number of seconds since 1970-01-01 UTC',
    });
    expect(q('end-date=-5')).toMatchObject({ ok: false, error: expect.stringMatching(/^end-date: /) });
    expect(q('version=3')).toEqual({ ok: false, error: 'version: 1 or 2 (got "3")' });
  });
});

describe('dates', () => {
  it('serves a date at 12:00 UTC', () => {
    expect(noonUtc('2026-01-10')).toBe(Date.UTC(2026, 0, 10, 12) / 1000);
  });

  it('turns [start, end) into calendar dates exactly: d is served iff noon(d) is in [start, end)', () => {
    const day = fc
      .integer({ min: 0, max: 20_000 })
      .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10));
    const instant = fc.integer({ min: 0, max: 20_000 * 86_400 });
    fc.assert(
      fc.property(day, instant, instant, (d, start, end) => {
        const r = servedRange({ startDate: start, endDate: end }, new Date());
        const inRange = !r.empty && d >= r.from! && d < r.to!;
        expect(inRange).toBe(noonUtc(d) >= start && noonUtc(d) < end);
      }),
    );
  });

  it('without start-date: the last 30 days, said so', () => {
    const r = servedRange({ startDate: null, endDate: null }, new Date('2026-03-31T12:00:00Z'));
    expect(r).toEqual({ from: '2026-03-01', to: null, empty: false, defaulted: true });
  });
});

describe('amounts', () => {
  it('have at least two decimals, exactly', () => {
    expect(decimalAmount(-50, 'USD')).toBe('-0.50');
    expect(decimalAmount(-5, 'USD')).toBe('-0.05');
    expect(decimalAmount(0, 'USD')).toBe('0.00');
    expect(decimalAmount(152_040, 'USD')).toBe('1520.40');
    expect(decimalAmount(1500, 'JPY')).toBe('1500.00');
    expect(decimalAmount(-1234, 'KWD')).toBe('-1.234');
  });

  it('flags currencies that a cents-reading client (Actual) would show wrong', () => {
    expect(['USD', 'CAD', 'MXN', 'EUR'].filter(misreadByCentsClients)).toEqual([]);
    expect(['JPY', 'KWD', 'BHD'].every(misreadByCentsClients)).toBe(true);
  });

  it('a card or loan owed is negative; a card in credit (Sophtron says so) stays positive', () => {
    const card = {
      kind: 'credit_card',
      balance_rule: 'owed_positive',
      provider_balance_minor: -53_269,
    } as const;
    expect(signedBalance(card, 53_269)).toBe(-53_269);
    expect(signedBalance({ ...card, provider_balance_minor: 1000 }, 1000)).toBe(1000);
    expect(signedBalance({ ...card, kind: 'depository', balance_rule: 'as_reported' }, -20)).toBe(-20);
  });
});

const row = (over: Partial<SimplefinAccountRow>): SimplefinAccountRow => ({
  id: 'a1',
  name: 'Checking',
  kind: 'depository',
  currency: 'USD',
  balance_rule: 'as_reported',
  linked: true,
  last_sync_at: null,
  last_sync_outcome: null,
  last_sync_error: null,
  created_at: '2026-01-01T00:00:00.000Z',
  number_mask: null,
  provider_type: 'checking',
  sub_type: null,
  provider_balance_minor: null,
  connection_id: 'c1',
  institution_id: 'i1',
  institution_name: 'Bank One',
  connection_status: 'connected',
  connection_status_reason: null,
  balance_current_minor: null,
  balance_available_minor: null,
  balance_taken_at: null,
  ...over,
});

describe('accounts and transactions', () => {
  it("a card's available credit is positive; without one, available equals the balance (as the protocol reads an absent one)", () => {
    const server = { rootUrl: 'https://h/simplefin' };
    const card = row({ kind: 'credit_card', balance_rule: 'owed_positive', balance_current_minor: 5000 });
    expect(accountJson({ ...card, balance_available_minor: 120_000 }, 'Visa', server, 1)).toMatchObject({
      balance: '-50.00',
      'available-balance': '1200.00',
    });
    expect(accountJson({ ...card, balance_available_minor: null }, 'Visa', server, 1)).toMatchObject({
      balance: '-50.00',
      'available-balance': '-50.00',
    });
    expect(
      accountJson(row({ balance_current_minor: 700, balance_available_minor: null }), 'C', server, 2),
    ).toMatchObject({
      conn_id: 'c1',
      balance: '7.00',
      'available-balance': '7.00',
    });
  });

  it('names are unique in one answer', () => {
    const names = uniqueNames([
      row({ id: '1', name: 'Savings', number_mask: 'xxxx1234' }),
      row({ id: '2', name: 'savings', number_mask: 'xxxx9876' }),
      row({ id: '3', name: 'Card', number_mask: null, institution_name: 'Bank One' }),
      row({ id: '4', name: 'Card', number_mask: null, institution_name: 'Bank One' }),
    ]);
    expect([...names.values()]).toEqual([
      'Savings …1234',
      'savings …9876',
      'Card (Bank One)',
      'Card (Bank One) 2',
    ]);
  });

  it('a transaction always has a description and a payee, and pending ones posted 0', () => {
    const t = transactionJson({
      id: 7,
      status: 'pending',
      amount_minor: -1,
      currency: 'USD',
      date: '2026-01-02',
      transaction_date: null,
      post_date: null,
      description: '  ',
      merchant: null,
      category: null,
      memo: null,
      check_number: '101',
      served_date: '2026-01-02',
    });
    expect(t).toEqual({
      id: '7',
      posted: 0,
      amount: '-0.01',
      description: 'Transaction',
      payee: 'Transaction',
      memo: '',
      transacted_at: noonUtc('2026-01-02'),
      pending: true,
      extra: { check_number: '101' },
    });
  });

  it('errors: one "may need attention" per bank, in v1 words; v2 codes with msg and message', () => {
    const e = accountSetErrors(
      [
        row({
          id: 'a',
          connection_id: 'c2',
          institution_name: 'Bank Two',
          connection_status: 'needs_attention',
          connection_status_reason: 'answer\nthe questions',
        }),
        row({
          id: 'b',
          connection_id: 'c2',
          institution_name: 'Bank Two',
          connection_status: 'needs_attention',
        }),
        row({ id: 'c', last_sync_outcome: 'failed' }),
      ],
      [],
      false,
    );
    expect(e.errors).toEqual([
      'Connection to Bank Two may need attention',
      'Connection to Bank One may need attention',
    ]);
    expect(e.errlist.map((x) => [x.code, x.conn_id ?? x.account_id])).toEqual([
      ['con.auth', 'c2'],
      ['act.failed', 'c'],
    ]);
    expect(e.errlist[0]!.msg).toContain('(answer the questions)');
    expect(e.errlist.every((x) => x.msg === x.message)).toBe(true);
    expect(accountSetErrors([], [], true).errors[0]).toMatch(/may read no account any more/);
  });
});

describe('limits', () => {
  const now = new Date('2026-01-01T10:30:00Z');
  const windowStart = '2026-01-01T10:00:00.000Z';
  it('warns past 80% of the hourly limit, then refuses until the hour ends', () => {
    expect(rateDecision({ count: 8, windowStart, now, limit: 10 })).toEqual({ allowed: true, warning: null });
    expect(rateDecision({ count: 9, windowStart, now, limit: 10 })).toMatchObject({
      allowed: true,
      warning: expect.stringMatching(/rate limit/),
    });
    expect(rateDecision({ count: 11, windowStart, now, limit: 10 })).toMatchObject({
      allowed: false,
      retryAfterSeconds: 1800,
    });
  });
});

describe('refresh when older than N hours', () => {
  const now = new Date('2026-01-02T12:00:00Z');
  const base = { now, refreshHours: 6, lastRunStartedAt: null, remainingCalls: 100, callsPerSync: 5 };
  it('syncs the linked accounts whose last sync is older', () => {
    const accounts = [
      row({ id: 'old', last_sync_at: '2026-01-02T05:00:00Z' }),
      row({ id: 'never', last_sync_at: null }),
      row({ id: 'fresh', last_sync_at: '2026-01-02T11:00:00Z' }),
      row({ id: 'unlinked', linked: false }),
    ];
    expect(refreshDecision({ ...base, accounts })).toEqual({ action: 'sync', accountIds: ['old', 'never'] });
  });

  it('not again while the last sync of the family is recent, and never past the budget', () => {
    const accounts = [row({ last_sync_at: null })];
    expect(refreshDecision({ ...base, accounts, lastRunStartedAt: '2026-01-02T07:00:00Z' })).toEqual({
      action: 'none',
    });
    expect(refreshDecision({ ...base, accounts, remainingCalls: 4 })).toMatchObject({
      action: 'skip',
      note: expect.stringMatching(/budget/),
    });
    expect(refreshDecision({ ...base, accounts: [row({ last_sync_at: '2026-01-02T11:00:00Z' })] })).toEqual({
      action: 'none',
    });
  });
});

describe('secrets', () => {
  it('setup token, claim URL and Access URL have the shapes clients parse', () => {
    const root = simplefinRoot('https://sync.example.org/base/');
    expect(root).toBe('https://sync.example.org/base/simplefin');
    const token = setupTokenFor(claimUrl(root, 'abc'));
    expect(Buffer.from(token, 'base64').toString()).toBe('https://sync.example.org/base/simplefin/claim/abc');
    expect(accessUrlFor(root, { user: 'u1', password: 'p2' })).toBe(
      'https://u1:p2@sync.example.org/base/simplefin',
    );
    expect(() => simplefinRoot('ftp://x')).toThrow(/https:\/\/ or http:\/\//);
  });

  it('Basic credentials are parsed and checked against a hash only', () => {
    const header = `Basic ${Buffer.from('user:pa:ss').toString('base64')}`;
    expect(parseBasicAuth(header)).toEqual({ user: 'user', password: 'pa:ss' });
    expect(parseBasicAuth('Bearer x')).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
    expect(secretMatches('pa:ss', hashSecret('pa:ss'))).toBe(true);
    expect(secretMatches('pa:sS', hashSecret('pa:ss'))).toBe(false);
    expect(secretMatches('x', null)).toBe(false);
  });

  it('the logger redacts an Access URL or setup token logged by key', () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }),
    );
    log.info(
      {
        accessUrl: 'https://u:secretpass@h/simplefin',
        setupToken: 'c2VjcmV0',
        claimUrl: 'https://h/simplefin/claim/code',
      },
      'x',
    );
    expect(lines.join('')).not.toMatch(/secretpass|c2VjcmV0|claim\/code/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, isCalendarDate } from '../dates.js';
import { dateWindows, maskAccountNumber, parseCalendarDate, parseCents } from './parse.js';

describe('parseCents', () => {
  it.each([
    ['12.34', 1234],
    ['-12.34', -1234],
    ['-12.345', -1235],
    ['12.345', 1235],
    ['12.344', 1234],
    ['0.005', 1],
    ['-0.005', -1],
    ['-0.004', 0],
    ['0.29', 29],
    ['1,234.56', 123456],
    ['$12.00', 1200],
    ['-$5', -500],
    ['(12.34)', -1234],
    ['+7', 700],
    ['.5', 50],
    ['5.', 500],
    ['1e2', 10000],
    ['1.5E-1', 15],
    ['  42  ', 4200],
  ])('%s → %d', (text, cents) => {
    expect(parseCents(text)).toBe(cents);
  });

  it.each([
    [12.34, 1234],
    [0.29, 29],
    [-1500.25, -150025],
    [1400, 140000],
    [0.1 + 0.2, 30],
    [1.005, 101],
  ])('number %d → %d cents without float error', (n, cents) => {
    expect(parseCents(n)).toBe(cents);
  });

  it.each(['', 'abc', '12.3.4', '--1', '1,23', 'NaN', '$', '1e999'])('refuses %j', (text) => {
    expect(parseCents(text)).toBeNull();
  });

  it('never returns -0', () => {
    expect(Object.is(parseCents('-0.00'), 0)).toBe(true);
  });

  it('equals exact decimal arithmetic for any decimal text (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        (digits, scale, negative) => {
          const s = digits.toString().padStart(scale + 1, '0');
          const text = `${negative ? '-' : ''}${scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`}`;
          // Exact: value = digits / 10^scale; cents = round_half_away(digits * 100 / 10^scale).
          const num = digits * 100n;
          const den = 10n ** BigInt(scale);
          let q = num / den;
          if ((num % den) * 2n >= den) q += 1n;
          const expected = q === 0n ? 0 : Number(negative ? -q : q);
          if (!Number.isSafeInteger(expected)) return;
          expect(parseCents(text)).toBe(expected);
        },
      ),
    );
  });

  it('reads any JSON number as the decimal it prints as (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000_00, max: 10_000_000_00 }), (cents) => {
        const n = cents / 100;
        expect(parseCents(n)).toBe(cents === 0 ? 0 : cents);
        expect(parseCents(JSON.stringify(n))).toBe(cents === 0 ? 0 : cents);
      }),
    );
  });
});

describe('parseCalendarDate', () => {
  it.each([
    ['2021-05-03T00:00:00', '2021-05-03'],
    ['2021-05-03', '2021-05-03'],
    ['2021-05-03T23:30:00-07:00', '2021-05-03'],
    ['2021-05-03T01:00:00+09:00', '2021-05-03'],
    ['2021-05-03T00:00:00Z', '2021-05-03'],
    ['2021-05-03T12:32:17.165931+00:00', '2021-05-03'],
    ['2021/05/03', '2021-05-03'],
    ['2021/5/3', '2021-05-03'],
    ['05/03/2021', '2021-05-03'],
    ['05/03/2021 00:00:00', '2021-05-03'],
    ['/Date(1620000000000)/', '2021-05-03'],
    ['/Date(1620000000000+0000)/', '2021-05-03'],
    ['/Date(1620086399000-0500)/', '2021-05-03'],
    ['2024-02-29', '2024-02-29'],
  ])('%s → %s', (text, date) => {
    expect(parseCalendarDate(text)).toBe(date);
  });

  it.each([null, undefined, '', 'tomorrow', '2021-02-30', '2021-13-01', 20210503, '0001-01-01'])(
    'refuses %j',
    (v) => {
      expect(parseCalendarDate(v)).toBeNull();
    },
  );

  it('checks calendar dates', () => {
    expect(isCalendarDate('2021-05-03')).toBe(true);
    expect(isCalendarDate('2021-5-3')).toBe(false);
    expect(isCalendarDate('2023-02-29')).toBe(false);
  });
});

describe('dateWindows', () => {
  it('splits an inclusive range into consecutive windows', () => {
    expect(dateWindows('2021-01-01', '2021-01-10', 4)).toEqual([
      { from: '2021-01-01', to: '2021-01-04' },
      { from: '2021-01-05', to: '2021-01-08' },
      { from: '2021-01-09', to: '2021-01-10' },
    ]);
    expect(dateWindows('2021-01-01', '2021-01-01', 90)).toEqual([{ from: '2021-01-01', to: '2021-01-01' }]);
    expect(dateWindows('2021-01-02', '2021-01-01', 90)).toEqual([]);
  });

  it('covers every day exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 1200 }),
        fc.integer({ min: 1, max: 400 }),
        (a, len, days) => {
          const from = addDays('2019-01-01', a);
          const to = addDays(from, len);
          const w = dateWindows(from, to, days);
          expect(w[0]!.from).toBe(from);
          expect(w.at(-1)!.to).toBe(to);
          for (let i = 1; i < w.length; i++) expect(w[i]!.from).toBe(addDays(w[i - 1]!.to, 1));
          for (const x of w) expect(x.from <= x.to && addDays(x.from, days - 1) >= x.to).toBe(true);
        },
      ),
    );
  });
});

describe('maskAccountNumber', () => {
  it.each([
    ['1234', '1234'],
    ['xxx1234', 'xxx1234'],
    ['****5678', '****5678'],
    ['123456789012', 'xxxx9012'],
    ['1234-5678-9012-3456', 'xxxx3456'],
    ['GB29NWBK60161331926819', 'xxxx6819'],
    [9876543210, 'xxxx3210'],
    ['', null],
    [null, null],
  ])('%j → %j', (input, mask) => {
    expect(maskAccountNumber(input)).toBe(mask);
  });
});

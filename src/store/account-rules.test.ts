import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyBalanceRule, defaultBalanceRule, defaultCurrency, defaultKind } from './account-rules.js';

describe('account rules', () => {
  it('kind defaults from Sophtron account type', () => {
    expect(defaultKind('checking')).toBe('depository');
    expect(defaultKind('savings')).toBe('depository');
    expect(defaultKind('credit_card')).toBe('credit_card');
    expect(defaultKind('loan')).toBe('loan');
    expect(defaultKind('mortgage')).toBe('loan');
    expect(defaultKind('investment')).toBe('investment');
    expect(defaultKind('other')).toBe('depository');
  });

  it('cards and loans show the amount owed as positive by default; others as reported', () => {
    expect(defaultBalanceRule('credit_card')).toBe('owed_positive');
    expect(defaultBalanceRule('loan')).toBe('owed_positive');
    expect(defaultBalanceRule('depository')).toBe('as_reported');
    expect(defaultBalanceRule('investment')).toBe('as_reported');
  });

  it('balance rules: the same card balance, whatever sign Sophtron used', () => {
    expect(applyBalanceRule('owed_positive', -1947_18)).toBe(1947_18);
    expect(applyBalanceRule('owed_positive', 1947_18)).toBe(1947_18);
    expect(applyBalanceRule('negate', -1947_18)).toBe(1947_18);
    expect(applyBalanceRule('negate', 0)).toBe(0);
    expect(Object.is(applyBalanceRule('negate', 0), -0)).toBe(false);
    expect(applyBalanceRule('as_reported', -5)).toBe(-5);
    expect(applyBalanceRule('owed_positive', null)).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => {
        expect(applyBalanceRule('negate', applyBalanceRule('negate', n))).toBe(n);
        expect(applyBalanceRule('owed_positive', n)).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(applyBalanceRule('owed_positive', n))).toBe(true);
      }),
    );
  });

  it('currency: an ISO hint, else CAD for Canada, else USD (never a symbol)', () => {
    expect(defaultCurrency('$', null)).toBe('USD');
    expect(defaultCurrency(null, 'US')).toBe('USD');
    expect(defaultCurrency('$', 'ca')).toBe('CAD');
    expect(defaultCurrency('cad', 'US')).toBe('CAD');
    expect(defaultCurrency('MXN', null)).toBe('MXN');
    expect(defaultCurrency('US$', null)).toBe('USD');
  });
});

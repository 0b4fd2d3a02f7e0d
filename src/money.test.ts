import { describe, expect, it } from 'vitest';
import { centsToDecimal, currencyDigits, decimalToMinor, formatMoney, minorToDecimal } from './money.js';

describe('money', () => {
  it('knows each currency its minor digits (not always two)', () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('BHD')).toBe(3);
    expect(currencyDigits('NOT-A-CODE')).toBe(2);
  });

  it('writes minor units as exact decimal text by the currency exponent, without floats', () => {
    expect(minorToDecimal(-1234, 'USD')).toBe('-12.34');
    expect(minorToDecimal(5, 'USD')).toBe('0.05');
    expect(minorToDecimal(-5, 'USD')).toBe('-0.05');
    expect(minorToDecimal(0, 'USD')).toBe('0.00');
    expect(minorToDecimal(123456789012, 'USD')).toBe('1234567890.12');
    expect(minorToDecimal(1234, 'JPY')).toBe('1234');
    expect(minorToDecimal(1234, 'BHD')).toBe('1.234');
    expect(minorToDecimal(900719925474099, 'USD')).toBe('9007199254740.99');
    expect(() => minorToDecimal(1.5, 'USD')).toThrow(/integer/);
  });

  it('reads decimal text back into minor units exactly, rounding half away from zero', () => {
    expect(decimalToMinor('-12.345', 'USD')).toBe(-1235);
    expect(decimalToMinor('0.10', 'USD')).toBe(10);
    expect(decimalToMinor('12', 'USD')).toBe(1200);
    expect(decimalToMinor('1.2345', 'BHD')).toBe(1235);
    expect(decimalToMinor('500', 'JPY')).toBe(500);
    expect(() => decimalToMinor('12,00', 'USD')).toThrow(/not an amount/);
  });

  it("shows Sophtron's cents (currency unknown before linking) with two decimals", () => {
    expect(centsToDecimal(-123456)).toBe('-1234.56');
    expect(centsToDecimal(7)).toBe('0.07');
    expect(centsToDecimal(null)).toBe('');
  });

  it('formats money for a page with the currency symbol and its own digits', () => {
    expect(formatMoney(123456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(-1200, 'EUR')).toBe('-€12.00');
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234');
    expect(formatMoney(1234, 'BHD')).toBe('BHD\u00a01.234');
    expect(formatMoney(null, 'USD')).toBe('—');
    expect(formatMoney(1234, 'NOT-A-CODE')).toBe('12.34 NOT-A-CODE');
  });
});

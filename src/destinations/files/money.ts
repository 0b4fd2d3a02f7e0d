/**
 * Minor units → decimal text without floats: files carry "12.30", not 12.299999. The number of
 * decimals comes from the currency (JPY 0, USD 2, BHD 3), as ICU knows it.
 */
const digitsCache = new Map<string, number>();

export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits;
    } catch {
      d = 2; // an unknown code still gets the common case rather than a crash mid-export
    }
    d ??= 2;
    digitsCache.set(currency, d);
  }
  return d;
}

export function minorToDecimal(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount ${minor} is not an integer of minor units`);
  const digits = currencyDigits(currency);
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

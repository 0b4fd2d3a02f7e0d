/**
 * Money as the ledger keeps it: integer minor units plus an ISO currency. The number of minor
 * digits comes from the currency (JPY 0, USD 2, BHD 3) as ICU knows it, so nothing here assumes
 * two decimals, and nothing goes through a float except the display of a figure to a person.
 */
const digitsCache = new Map<string, number>();

/** Minor digits of an ISO currency; an unknown code gets the common 2 rather than a crash mid-run. */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

function decimalText(minor: number, digits: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount ${minor} is not an integer of minor units`);
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${minor < 0 ? '-' : ''}${whole}${fraction}`;
}

/** Minor units → exact decimal text ("-12.30", "1200" for JPY): files, Firefly III, the CLI. */
export function minorToDecimal(minor: number, currency: string): string {
  return decimalText(minor, currencyDigits(currency));
}

/**
 * Sophtron's own figures (provider accounts and transactions before linking) are read as cents
 * (src/sophtron/parse.ts) and carry a currency symbol, not a code: shown with two decimals.
 */
export function centsToDecimal(cents: number | null): string {
  return cents === null ? '' : decimalText(cents, 2);
}

/** Decimal text → minor units, exactly; extra decimals are rounded half away from zero. */
export function decimalToMinor(text: string, currency: string): number {
  const digits = currencyDigits(currency);
  const m = /^\s*(-)?(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m) throw new Error(`not an amount: ${JSON.stringify(text)}`);
  const fraction = (m[3] ?? '').padEnd(digits + 1, '0');
  let minor = Number(`${m[2] || '0'}${fraction.slice(0, digits)}`);
  if (Number(fraction[digits]) >= 5) minor += 1;
  return m[1] ? -minor : minor;
}

/** Minor units + ISO currency → "$1,234.56" / "-€12.00" for a page; null → "—". */
export function formatMoney(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '—';
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  } catch {
    return `${minorToDecimal(minor, currency)} ${currency}`;
  }
  return format.format(minor / 10 ** currencyDigits(currency));
}

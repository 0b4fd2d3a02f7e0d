/**
 * Exact readers for the scalar values Sophtron sends: money as integer cents and calendar dates.
 * Money is read from its decimal text, never through float arithmetic, so "0.29" is 29 cents and
 * not 28.999…; dates are taken from the text as written, never shifted by a time zone.
 */
import { addDays } from '../dates.js';

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Decimal text (or a JSON number) → integer cents, rounding half away from zero
 * ("-12.345" → -1235). Accepts "1,234.56", a leading "$" and accounting negatives "(12.34)".
 * Returns null when the value is not a number.
 */
export function parseCents(value: string | number): number | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    // String(n) is the shortest text that reads back as n: 12.34 → "12.34", so no float error creeps in.
    text = String(value);
  } else {
    text = value.trim();
  }
  let negative = false;
  const paren = /^\((.*)\)$/.exec(text);
  if (paren) {
    negative = true;
    text = paren[1]!.trim();
  }
  text = text.replace(/^([+-]?)\s*\$\s*/, '$1');
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(text)) text = text.replace(/,/g, '');
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  if (intPart === '' && fracPart === '') return null;
  if (sign === '-') negative = !negative;
  const exp = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return null;

  // value = digits × 10^(exp − frac.length); cents = value × 100.
  const digits = BigInt(`${intPart}${fracPart}` || '0');
  const shift = exp - fracPart.length + 2;
  let cents: bigint;
  if (shift >= 0) cents = digits * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    cents = digits / div;
    if ((digits % div) * 2n >= div) cents += 1n;
  }
  if (negative) cents = -cents;
  const n = Number(cents);
  if (!Number.isSafeInteger(n)) return null;
  return n === 0 ? 0 : n;
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1000 || y > 9999) return false;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= last;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A Sophtron date → `YYYY-MM-DD` as written: "2021-05-03T00:00:00", "2021-05-03T23:30:00-07:00"
 * (the bank's own day, not converted), "2021/05/03", "05/03/2021", "/Date(1620000000000)/"
 * (.NET JSON; an offset suffix gives the local day). Null when absent or unreadable.
 */
export function parseCalendarDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;

  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(text);
  if (ms) {
    let t = Number(ms[1]);
    if (ms[2]) {
      const sign = ms[2][0] === '-' ? -1 : 1;
      t += sign * (Number(ms[2].slice(1, 3)) * 60 + Number(ms[2].slice(3, 5))) * 60_000;
    }
    const d = new Date(t);
    if (Number.isNaN(d.getTime())) return null;
    return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  }

  let y: number, m: number, d: number;
  const ymd = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T\s])/.exec(text);
  const mdy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:$|\s)/.exec(text);
  if (ymd) [y, m, d] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
  else if (mdy) [y, m, d] = [Number(mdy[3]), Number(mdy[1]), Number(mdy[2])];
  else return null;
  if (!isRealDate(y, m, d)) return null;
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/**
 * Splits an inclusive date range into consecutive inclusive windows of at most `days` days, so a
 * multi-year backfill is several modest calls instead of one giant one.
 */
export function dateWindows(from: string, to: string, days: number): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  if (from > to) return out;
  const step = Math.max(1, Math.floor(days));
  for (let start = from; start <= to; start = addDays(start, step)) {
    const end = addDays(start, step - 1);
    out.push({ from: start, to: end < to ? end : to });
  }
  return out;
}

/** An account number reduced to its last four characters, e.g. "xxxx1234"; null when empty. */
export function maskAccountNumber(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim();
  if (text === '') return null;
  const visible = text.replace(/[^0-9A-Za-z]/g, '');
  // Already masked by Sophtron ("xxx1234", "****1234") or too short to identify an account: as sent.
  if (/^[xX*•.\s-]*[0-9A-Za-z]{1,4}$/.test(text)) return text;
  return `xxxx${visible.slice(-4)}`;
}

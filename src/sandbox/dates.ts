/**
 * Request dates as clients send them: "2026-01-01", full ISO with time and
 * zone, "2018/10/01", "10/01/2018", .NET's "/Date(ms)/", or epoch milliseconds. The calendar date
 * written by the client is used as is (no time-zone shift), except "/Date(ms)/" and numbers, which
 * are instants and read in UTC.
 */
import { dayFromIso, dayOf } from './rng.js';

const validYmd = (y: number, m: number, d: number): number | null => {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return dayFromIso(back.toISOString().slice(0, 10));
};

/** Day number of a request date, or null when it is not a date. */
export function parseRequestDate(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return dayOf(new Date(value));
  if (typeof value !== 'string') return null;
  const s = value.trim();
  let m = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(s);
  if (m) return dayOf(new Date(Number(m[1])));
  m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T ]\d)/.exec(s);
  if (m) return validYmd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:$| \d)/.exec(s);
  if (m) return validYmd(Number(m[3]), Number(m[1]), Number(m[2]));
  return null;
}

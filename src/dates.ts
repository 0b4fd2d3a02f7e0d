/**
 * Calendar-date arithmetic on `YYYY-MM-DD` text. Dates are the family's calendar days, so all math is
 * done on UTC midnights: no local time zone can shift a day.
 */
import type { CalendarDate } from './domain/types.js';

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === value;
}

function toUtcMs(date: CalendarDate): number {
  if (!isCalendarDate(date)) throw new Error(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return new Date(toUtcMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / DAY_MS);
}

export const minDate = (a: CalendarDate, b: CalendarDate): CalendarDate => (a <= b ? a : b);
export const maxDate = (a: CalendarDate, b: CalendarDate): CalendarDate => (a >= b ? a : b);

/** An IANA time zone name this runtime knows ("America/New_York"). */
export function isTimeZone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** An instant on a time zone's wall clock: its calendar day and 24-hour time ("07", "05", "09"). */
export interface WallClock {
  date: CalendarDate;
  hour: string;
  minute: string;
  second: string;
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of a time zone (an IANA name) at an instant; an unknown zone throws a RangeError. */
export function wallClockIn(instant: Date, timeZone: string): WallClock {
  let format = wallClockFormats.get(timeZone);
  if (!format) {
    // en-CA: the parts are plain ASCII digits in every runtime.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallClockFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: parts.hour ?? '00',
    minute: parts.minute ?? '00',
    second: parts.second ?? '00',
  };
}

/** The calendar day an instant falls on in a time zone (an IANA name). */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  return wallClockIn(instant, timeZone).date;
}

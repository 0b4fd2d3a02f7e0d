/**
 * Schedules in words a person chooses and reads: "daily at 06:00", "every 6 hours", or a cron
 * expression (advanced); and when the next sync is, relative to today in the family's time zone.
 * Pure: the clock is passed in.
 */
import { addDays, calendarDateIn } from '../dates.js';

export type When =
  | { mode: 'daily'; time: string }
  | { mode: 'hours'; every: number; minute: number }
  | { mode: 'cron'; cron: string };

const pad = (n: number) => String(n).padStart(2, '0');

/** How a cron expression reads; anything but the two simple shapes stays "cron". */
export function whenOf(cron: string): When {
  const c = cron.trim().replace(/\s+/g, ' ');
  const daily = /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(c);
  if (daily && Number(daily[1]) < 60 && Number(daily[2]) < 24)
    return { mode: 'daily', time: `${pad(Number(daily[2]))}:${pad(Number(daily[1]))}` };
  const hours = /^(\d{1,2}) \*\/(\d{1,2}) \* \* \*$/.exec(c);
  if (hours && Number(hours[1]) < 60 && Number(hours[2]) >= 1 && Number(hours[2]) <= 23)
    return { mode: 'hours', every: Number(hours[2]), minute: Number(hours[1]) };
  return { mode: 'cron', cron: c };
}

/** The cron expression of a choice; throws a message naming the field when it is not usable. */
export function cronOf(when: When): string {
  if (when.mode === 'daily') {
    const m = /^(\d{1,2}):(\d{2})$/.exec(when.time.trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error('Daily at: a time such as 06:00');
    return `${Number(m[2])} ${Number(m[1])} * * *`;
  }
  if (when.mode === 'hours') {
    if (!Number.isInteger(when.every) || when.every < 1 || when.every > 23)
      throw new Error('Every … hours: a whole number from 1 to 23');
    return `${when.minute} */${when.every} * * *`;
  }
  if (!when.cron.trim()) throw new Error('Cron expression: is required');
  return when.cron.trim();
}

/** "daily at 06:00", "every 6 hours (at minute 00)", or "at the cron times 0 6,18 * * *". */
export function describeWhen(cron: string): string {
  const w = whenOf(cron);
  if (w.mode === 'daily') return `daily at ${w.time}`;
  if (w.mode === 'hours')
    return `every ${w.every === 1 ? 'hour' : `${w.every} hours`} (at minute ${pad(w.minute)})`;
  return `at the times of the cron expression ${w.cron}`;
}

/** "today 18:00", "tomorrow 06:00" or "Mon 2026-12-07 06:00", in the time zone. */
export function relativeWhen(at: Date, now: Date, timeZone: string): string {
  const day = calendarDateIn(at, timeZone);
  const today = calendarDateIn(now, timeZone);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  if (day === today) return `today ${time}`;
  if (day === addDays(today, 1)) return `tomorrow ${time}`;
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at);
  return `${weekday} ${day} ${time}`;
}

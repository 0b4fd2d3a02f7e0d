/** Cron expressions (croner) in a family's time zone: validation, next slot, runs per month. */
import { Cron } from 'croner';

/** Syncs more often than this are refused: no bank changes that fast, and the quota would not last. */
export const MIN_CRON_INTERVAL_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
export const AVERAGE_MONTH_DAYS = 30.44;

const cache = new Map<string, Cron>();

function cron(expr: string, timeZone: string): Cron {
  const key = `${timeZone}\u0000${expr}`;
  let c = cache.get(key);
  if (!c) {
    c = new Cron(expr, { timezone: timeZone, paused: true });
    cache.set(key, c);
  }
  return c;
}

/** Null when valid; otherwise why not, in words for a person. */
export function cronProblem(expr: string, timeZone: string, now: Date = new Date()): string | null {
  let c: Cron;
  try {
    c = cron(expr.trim(), timeZone);
  } catch (err) {
    return `not a cron expression: ${err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err)}`;
  }
  const runs = c.nextRuns(3, now);
  if (runs.length === 0) return 'this cron expression never runs';
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.getTime() - runs[i - 1]!.getTime() < MIN_CRON_INTERVAL_MS) {
      return 'runs more often than every 5 minutes';
    }
  }
  return null;
}

/** The first slot strictly after `after`. */
export function nextSlot(expr: string, timeZone: string, after: Date): Date | null {
  return cron(expr, timeZone).nextRun(after);
}

/** Slots in (from, to]. */
export function countSlots(expr: string, timeZone: string, from: Date, to: Date, cap = 20_000): number {
  const c = cron(expr, timeZone);
  let n = 0;
  let at: Date | null = from;
  while (n < cap && (at = c.nextRun(at)) && at.getTime() <= to.getTime()) n++;
  return n;
}

/** Runs in an average month, measured over the next four weeks (so weekly patterns count right). */
export function runsPerMonth(expr: string, timeZone: string, from: Date = new Date()): number {
  const days = 28;
  const n = countSlots(expr, timeZone, from, new Date(from.getTime() + days * DAY_MS));
  return Math.round((n * AVERAGE_MONTH_DAYS) / days);
}

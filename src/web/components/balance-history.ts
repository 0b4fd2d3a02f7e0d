/**
 * An account's balance history for the chart: snapshots from the first sync on, and before it the
 * balances derived backwards from the first snapshot through the posted transactions (marked as
 * derived), so the chart shows the months the first sync read, not one point. Pure.
 */
import { addDays, calendarDateIn } from '../../dates.js';
import type { BalanceRule } from '../../store/schema.js';

export interface BalancePoint {
  at: string;
  minor: number;
  /** Worked out from transactions, not reported by the bank. */
  derived: boolean;
}

/**
 * How the shown balance moves with a transaction's amount (negative = money out): a balance as
 * reported follows it; a negated one, or an amount owed shown positive, moves the other way.
 */
export const balanceDirection = (rule: BalanceRule): 1 | -1 => (rule === 'as_reported' ? 1 : -1);

export function balanceHistory(input: {
  /** Oldest first. */
  snapshots: { at: string; minor: number }[];
  /** Net posted amount per day up to the first snapshot's day, oldest first. */
  dailyNet: { date: string; netMinor: number }[];
  direction: 1 | -1;
  timeZone: string;
  /** At most this many derived points (evenly thinned, the oldest and newest kept). */
  maxDerived?: number;
}): BalancePoint[] {
  const [first] = input.snapshots;
  if (!first) return [];
  const real = input.snapshots.map((s) => ({ ...s, derived: false }));
  const firstDay = calendarDateIn(new Date(first.at), input.timeZone);
  // Newest first: the balance at the end of the day before each day with transactions.
  const derived: BalancePoint[] = [];
  let value = first.minor;
  for (let i = input.dailyNet.length - 1; i >= 0; i--) {
    const day = input.dailyNet[i]!;
    if (day.date > firstDay) continue;
    value -= input.direction * day.netMinor;
    const before = addDays(day.date, -1);
    if (before < firstDay) derived.push({ at: `${before}T12:00:00.000Z`, minor: value, derived: true });
  }
  derived.reverse();
  return [...thin(derived, input.maxDerived ?? 180), ...real];
}

function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max || max < 2) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

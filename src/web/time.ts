/** Instants as shown to people. */
import { wallClockIn } from '../dates.js';

/** "2026-11-21 14:05" in the family's time zone. */
export function formatTimestamp(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const clock = wallClockIn(d, timeZone);
  return `${clock.date} ${clock.hour}:${clock.minute}`;
}

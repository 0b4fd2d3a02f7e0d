import { describe, expect, it } from 'vitest';
import { calendarDateIn, isTimeZone } from './dates.js';

describe('time zones', () => {
  it('accepts the IANA names this runtime knows, nothing else', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it("gives the family's day, which is not UTC's near midnight", () => {
    const instant = new Date('2026-03-01T02:30:00Z');
    expect(calendarDateIn(instant, 'UTC')).toBe('2026-03-01');
    expect(calendarDateIn(instant, 'America/Los_Angeles')).toBe('2026-02-28');
  });
});

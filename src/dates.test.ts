import { describe, expect, it } from 'vitest';
import { calendarDateIn, isTimeZone, wallClockIn } from './dates.js';

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

  it("reads the zone's wall clock on a 24-hour dial, midnight as 00", () => {
    expect(wallClockIn(new Date('2026-07-01T04:00:09Z'), 'America/New_York')).toEqual({
      date: '2026-07-01',
      hour: '00',
      minute: '00',
      second: '09',
    });
    expect(wallClockIn(new Date('2026-01-01T04:05:09Z'), 'America/New_York').date).toBe('2025-12-31');
    expect(() => wallClockIn(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { cronOf, describeWhen, relativeWhen, whenOf } from './when.js';

describe('schedules in words', () => {
  it('reads the simple shapes back as they were chosen, anything else as cron', () => {
    expect(whenOf('17 5 * * *')).toEqual({ mode: 'daily', time: '05:17' });
    expect(whenOf('0 */6 * * *')).toEqual({ mode: 'hours', every: 6, minute: 0 });
    expect(whenOf('0 6,18 * * *')).toEqual({ mode: 'cron', cron: '0 6,18 * * *' });
    for (const w of [
      { mode: 'daily', time: '06:00' },
      { mode: 'hours', every: 4, minute: 0 },
    ] as const)
      expect(whenOf(cronOf(w))).toEqual(w);
  });

  it('refuses unusable choices naming the field', () => {
    expect(() => cronOf({ mode: 'daily', time: '25:00' })).toThrow(/Daily at/);
    expect(() => cronOf({ mode: 'hours', every: 0, minute: 0 })).toThrow(/Every … hours/);
    expect(() => cronOf({ mode: 'cron', cron: ' ' })).toThrow(/Cron expression/);
  });

  it('describes schedules and the next sync relative to the family’s today', () => {
    expect(describeWhen('0 6 * * *')).toBe('daily at 06:00');
    expect(describeWhen('0 */1 * * *')).toBe('every hour (at minute 00)');
    const now = new Date('2026-12-04T22:30:00Z'); // 23:30 in Paris, 17:30 in New York
    expect(relativeWhen(new Date('2026-12-05T05:00:00Z'), now, 'Europe/Paris')).toBe('tomorrow 06:00');
    expect(relativeWhen(new Date('2026-12-05T04:00:00Z'), now, 'America/New_York')).toBe('today 23:00');
    expect(relativeWhen(new Date('2026-12-07T11:00:00Z'), now, 'UTC')).toBe('Mon 2026-12-07 11:00');
  });
});

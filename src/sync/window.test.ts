import { describe, expect, it } from 'vitest';
import { addDays, calendarDateIn, daysBetween, isCalendarDate } from '../dates.js';
import {
  computeWindow,
  nextPartDays,
  nextSyncedThrough,
  partEnd,
  positionWithoutRefresh,
  reachForPending,
} from './window.js';

const settings = { syncStartDays: 90, syncOverlapDays: 10 };
const tz = 'America/New_York';
const linkedOn = (date: string) => ({
  sync_start_date: null,
  synced_through: null,
  // Noon UTC is the same calendar day in New York.
  created_at: `${date}T12:00:00.000Z`,
});

describe('calendar dates', () => {
  it('adds days across months, leap days and years without time-zone drift', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(() => addDays('2024-1-1', 1)).toThrow(/YYYY-MM-DD/);
  });

  it("takes the day in the family's time zone, not the machine's", () => {
    const lateEvening = new Date('2026-03-02T03:30:00Z'); // 22:30 on 1 March in New York
    expect(calendarDateIn(lateEvening, tz)).toBe('2026-03-01');
    expect(calendarDateIn(lateEvening, 'UTC')).toBe('2026-03-02');
  });
});

describe('computeWindow', () => {
  it('reads SYNC_START_DAYS before linking on the first sync, up to tomorrow', () => {
    const w = computeWindow({ account: linkedOn('2026-06-01'), today: '2026-06-01', timeZone: tz, settings });
    expect(w).toEqual({ from: '2026-03-03', to: '2026-06-02', basis: 'first_sync' });
  });

  it("uses the account's own start date (several years back) on the first sync", () => {
    const account = { ...linkedOn('2026-06-01'), sync_start_date: '2021-01-01' };
    const w = computeWindow({ account, today: '2026-06-01', timeZone: tz, settings });
    expect(w.from).toBe('2021-01-01');
    expect(w.basis).toBe('first_sync');
  });

  it('starts later syncs at the last successful sync minus the overlap', () => {
    const account = { ...linkedOn('2026-01-01'), synced_through: '2026-06-02' };
    const w = computeWindow({ account, today: '2026-06-05', timeZone: tz, settings });
    expect(w).toEqual({ from: '2026-05-23', to: '2026-06-06', basis: 'since_last_sync' });
    const noOverlap = computeWindow({
      account,
      today: '2026-06-05',
      timeZone: tz,
      settings: { ...settings, syncOverlapDays: 0 },
    });
    expect(noOverlap.from).toBe('2026-06-02');
  });

  it('never starts before the account start date even with the overlap', () => {
    const account = {
      ...linkedOn('2026-06-01'),
      sync_start_date: '2026-05-30',
      synced_through: '2026-06-02',
    };
    const w = computeWindow({ account, today: '2026-06-03', timeZone: tz, settings });
    expect(w.from).toBe('2026-05-30');
  });

  it('gives an account linked later its own full backfill, whatever its siblings did', () => {
    const old = { ...linkedOn('2026-01-01'), synced_through: '2026-06-02' };
    const late = linkedOn('2026-06-01');
    const wOld = computeWindow({ account: old, today: '2026-06-01', timeZone: tz, settings });
    const wLate = computeWindow({ account: late, today: '2026-06-01', timeZone: tz, settings });
    expect(wOld.from).toBe('2026-05-23');
    expect(wLate.from).toBe('2026-03-03');
  });

  it('lets --from and --to override, and refuses a window that ends before it starts', () => {
    const account = { ...linkedOn('2026-01-01'), synced_through: '2026-06-02' };
    expect(
      computeWindow({
        account,
        today: '2026-06-05',
        timeZone: tz,
        settings,
        from: '2025-01-01',
        to: '2025-02-01',
      }),
    ).toEqual({ from: '2025-01-01', to: '2025-02-01', basis: 'explicit' });
    expect(computeWindow({ account, today: '2026-06-05', timeZone: tz, settings, to: '2026-06-04' })).toEqual(
      {
        from: '2026-05-23',
        to: '2026-06-04',
        basis: 'explicit',
      },
    );
    expect(() =>
      computeWindow({ account, today: '2026-06-05', timeZone: tz, settings, to: '2026-01-01' }),
    ).toThrow(/after its end/);
  });
});

describe('nextSyncedThrough', () => {
  it('moves to the end of a window that joins what was synced, and never backwards', () => {
    const first = linkedOn('2026-06-01');
    expect(nextSyncedThrough(first, { from: '2026-03-03', to: '2026-06-02' }, settings, tz)).toBe(
      '2026-06-02',
    );
    const later = { ...first, synced_through: '2026-06-02' };
    expect(nextSyncedThrough(later, { from: '2026-05-23', to: '2026-06-06' }, settings, tz)).toBe(
      '2026-06-06',
    );
    expect(nextSyncedThrough(later, { from: '2025-01-01', to: '2025-02-01' }, settings, tz)).toBe(
      '2026-06-02',
    );
  });

  it('does not jump over a gap left by an explicit --from', () => {
    const later = { ...linkedOn('2026-01-01'), synced_through: '2026-02-01' };
    expect(nextSyncedThrough(later, { from: '2026-05-01', to: '2026-06-06' }, settings, tz)).toBe(
      '2026-02-01',
    );
    const never = linkedOn('2026-06-01');
    expect(nextSyncedThrough(never, { from: '2026-05-01', to: '2026-06-02' }, settings, tz)).toBeNull();
  });
});

describe('computeWindow with a clock behind the linking time', () => {
  it('starts SYNC_START_DAYS before today, never after it', () => {
    const w = computeWindow({ account: linkedOn('2026-11-21'), today: '2026-06-15', timeZone: tz, settings });
    expect(w).toMatchObject({ from: '2026-03-17', to: '2026-06-16' });
  });
});

describe('reachForPending', () => {
  const w = { from: '2026-06-01', to: '2026-06-12', basis: 'since_last_sync' as const };
  it('reaches back to the oldest open pending row, at most PENDING_REACH_DAYS', () => {
    expect(reachForPending(w, null)).toBe(w);
    expect(reachForPending(w, '2026-06-03')).toBe(w);
    expect(reachForPending(w, '2026-05-20').from).toBe('2026-05-20');
    expect(reachForPending(w, '2025-01-01').from).toBe('2026-05-02');
    expect(reachForPending({ ...w, basis: 'explicit' }, '2026-05-20').from).toBe('2026-06-01');
  });
});

describe('positionWithoutRefresh', () => {
  const first = { ...linkedOn('2026-06-01'), sync_start_date: '2026-03-01' };
  const window = { from: '2026-03-01', to: '2026-06-16' };
  it('moves over what was read, up to the day Sophtron last updated the account', () => {
    expect(positionWithoutRefresh(first, window, settings, tz, '2026-06-14T20:00:00Z')).toBe('2026-06-14');
    // Updated after the window's end: the window is the limit.
    expect(positionWithoutRefresh(first, window, settings, tz, '2026-06-30T12:00:00Z')).toBe('2026-06-16');
  });

  it('never moves back, and stays where it was when Sophtron does not say when it last updated', () => {
    const synced = { ...first, synced_through: '2026-06-15' };
    const again = { from: '2026-06-05', to: '2026-06-17' };
    expect(positionWithoutRefresh(synced, again, settings, tz, '2026-06-10T12:00:00Z')).toBe('2026-06-15');
    expect(positionWithoutRefresh(synced, again, settings, tz, null)).toBe('2026-06-15');
    expect(positionWithoutRefresh(first, window, settings, tz, 'not a date')).toBeNull();
    // Without a zone Sophtron means UTC; .NET dates too.
    expect(positionWithoutRefresh(first, window, settings, tz, '2026-06-14T02:00:00')).toBe('2026-06-13');
    const ms = Date.parse('2026-06-12T12:00:00Z');
    expect(positionWithoutRefresh(first, window, settings, tz, `/Date(${ms})/`)).toBe('2026-06-12');
  });

  it('does not move over a gap the window left', () => {
    const synced = { ...first, synced_through: '2026-05-01' };
    const gap = { from: '2026-06-01', to: '2026-06-17' };
    expect(positionWithoutRefresh(synced, gap, settings, tz, '2026-06-16T12:00:00Z')).toBe('2026-05-01');
  });
});

describe('backfill parts', () => {
  it('ends a part after its days, never after the window', () => {
    expect(partEnd('2026-01-01', 30, '2026-03-15')).toBe('2026-01-30');
    expect(partEnd('2026-03-02', 30, '2026-03-15')).toBe('2026-03-15');
    // An incremental window shorter than a read window is one part.
    expect(partEnd('2026-06-01', 90, '2026-06-12')).toBe('2026-06-12');
  });
  it('sizes the next part to about the target rows, between one day and the read window', () => {
    expect(nextPartDays(90, 300, 90, 2000)).toBe(90);
    expect(nextPartDays(90, 0, 90, 2000)).toBe(90);
    expect(nextPartDays(90, 9000, 90, 2000)).toBe(20);
    expect(nextPartDays(20, 1000, 90, 2000)).toBe(40);
    expect(nextPartDays(1, 50_000, 90, 2000)).toBe(1);
  });
});

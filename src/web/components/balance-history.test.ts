import { describe, expect, it } from 'vitest';
import { balanceDirection, balanceHistory } from './balance-history.js';

describe('balance history', () => {
  it('derives the months before the first snapshot from the posted transactions, backwards', () => {
    const points = balanceHistory({
      snapshots: [{ at: '2026-03-10T08:00:00Z', minor: 10_000 }],
      dailyNet: [
        { date: '2026-01-15', netMinor: 250_000 }, // payroll in
        { date: '2026-02-01', netMinor: -150_000 }, // rent out
        { date: '2026-03-10', netMinor: -1_000 }, // today's coffee, already in the snapshot
      ],
      direction: 1,
      timeZone: 'UTC',
    });
    expect(points.map((p) => [p.at.slice(0, 10), p.minor, p.derived])).toEqual([
      ['2026-01-14', -89_000, true], // before the payroll
      ['2026-01-31', 161_000, true], // before the rent
      ['2026-03-09', 11_000, true], // before today's coffee
      ['2026-03-10', 10_000, false], // the first snapshot
    ]);
  });

  it('moves an amount owed the other way, and keeps later snapshots as they are', () => {
    const points = balanceHistory({
      snapshots: [
        { at: '2026-03-10T08:00:00Z', minor: 5_000 },
        { at: '2026-03-11T08:00:00Z', minor: 6_000 },
      ],
      dailyNet: [{ date: '2026-03-01', netMinor: -2_000 }], // a purchase raised the amount owed
      direction: balanceDirection('owed_positive'),
      timeZone: 'UTC',
    });
    expect(points.map((p) => [p.minor, p.derived])).toEqual([
      [3_000, true],
      [5_000, false],
      [6_000, false],
    ]);
  });

  it('has nothing before a first snapshot, and thins long histories keeping both ends', () => {
    expect(balanceHistory({ snapshots: [], dailyNet: [], direction: 1, timeZone: 'UTC' })).toEqual([]);
    const dailyNet = Array.from({ length: 1000 }, (_, i) => ({
      date: new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10),
      netMinor: 100,
    }));
    const points = balanceHistory({
      snapshots: [{ at: '2026-01-01T00:00:00Z', minor: 0 }],
      dailyNet,
      direction: 1,
      timeZone: 'UTC',
      maxDerived: 50,
    });
    expect(points.filter((p) => p.derived)).toHaveLength(50);
    expect(points[0]!.at.slice(0, 10)).toBe('2022-12-31');
    expect(points[0]!.minor).toBe(-100_000);
  });
});

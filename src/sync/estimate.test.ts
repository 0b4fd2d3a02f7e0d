import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../dates.js';
import { dateWindows } from '../sophtron/parse.js';
import { estimateSyncCalls, syncWindowReads, windowReads } from './estimate.js';
import { clampToHistory, firstPartDays, historyStart, nextPartDays, partEnd } from './window.js';

const day = fc.integer({ min: 0, max: 4000 }).map((n) => addDays('2020-01-01', n));
const range = fc
  .tuple(day, fc.integer({ min: 0, max: 3000 }))
  .map(([from, n]) => ({ from, to: addDays(from, n) }));
const windowDays = fc.integer({ min: 1, max: 400 });

/** The parts the runner reads (run.ts's loop) when every part holds few rows (the usual account). */
function runnerParts(window: { from: string; to: string }, maxDays: number): number {
  let parts = 0;
  let days = firstPartDays(window, maxDays);
  for (let from = window.from; from <= window.to;) {
    const to = partEnd(from, days, window.to);
    parts++;
    days = nextPartDays(daysBetween(from, to) + 1, 10, maxDays);
    from = addDays(to, 1);
  }
  return parts;
}

describe('estimated Sophtron calls', () => {
  it("a transactions read costs what the client's windows are", () => {
    fc.assert(
      fc.property(range, windowDays, (r, w) => {
        expect(windowReads(r.from, r.to, w)).toBe(dateWindows(r.from, r.to, w).length);
      }),
    );
  });

  it("a sync window costs the runner's parts, each one read", () => {
    fc.assert(
      fc.property(range, windowDays, (r, w) => {
        expect(syncWindowReads(r, w)).toBe(runnerParts(r, w));
      }),
    );
  });

  it('a sync: one refresh job per bank login, an account read and the parts per account', () => {
    const accounts = [
      { connectionId: 'a', window: { from: '2026-01-01', to: '2026-01-31' } },
      { connectionId: 'a', window: { from: '2025-01-01', to: '2026-01-31' } },
      { connectionId: 'b', window: { from: '2026-01-20', to: '2026-01-31' } },
    ];
    // 396 days in 90-day parts: a 14-day first part, then 5 parts.
    expect(estimateSyncCalls({ accounts, refresh: true, windowDays: 90, refreshCallsPerLogin: 6 })).toEqual({
      calls: 12 + (2 + 7 + 2),
      refreshCalls: 12,
      readCalls: 11,
      logins: 2,
    });
    expect(estimateSyncCalls({ accounts, refresh: false, windowDays: 90 }).calls).toBe(11);
    // `--from 1900-01-01` before the clamp: the 521 calls the issue saw, give or take the refresh.
    const from1900 = { connectionId: 'a', window: { from: '1900-01-01', to: '2026-12-06' } };
    expect(estimateSyncCalls({ accounts: [from1900], refresh: false, windowDays: 90 }).calls).toBe(517);
  });
});

describe('the history limit', () => {
  it('a window never starts before it, ends where it ended, and says what was asked', () => {
    fc.assert(
      fc.property(range, day, fc.integer({ min: 1, max: 3000 }), (r, today, limit) => {
        const earliest = historyStart(today, limit);
        const window = { ...r, basis: 'explicit' as const };
        if (r.to < earliest) {
          expect(() => clampToHistory(window, earliest)).toThrow(/before the bank's history limit/);
          return;
        }
        const { window: out, clampedFrom } = clampToHistory(window, earliest);
        expect(out.to).toBe(r.to);
        expect(out.from >= earliest).toBe(true);
        expect(out.from).toBe(r.from < earliest ? earliest : r.from);
        expect(clampedFrom).toBe(r.from < earliest ? r.from : null);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { decide, type DecideInput } from './decide.js';
import { intervalText, pace } from './budget.js';
import { backoffDelay } from './backoff.js';
import { cronProblem, runsPerMonth } from './cron.js';

const H = 3_600_000;
const base = (over: Partial<DecideInput> = {}): DecideInput => ({
  now: new Date('2026-03-10T05:30:00Z'),
  enabled: true,
  cron: '17 5 * * *',
  timeZone: 'UTC',
  lastRunAt: new Date('2026-03-09T05:17:00Z'),
  scheduleSetAt: new Date('2026-03-01T00:00:00Z'),
  lastAnyRunAt: new Date('2026-03-09T05:17:00Z'),
  minGapMs: H,
  pace: { kind: 'normal' },
  familyRetryAt: null,
  connectionRetries: [],
  ...over,
});

describe('decide', () => {
  it('runs when a slot has come, waits for the next one otherwise', () => {
    expect(decide(base())).toMatchObject({ action: 'run', kind: 'slot' });
    const before = decide(base({ now: new Date('2026-03-10T05:16:00Z') }));
    expect(before).toEqual({
      action: 'wait',
      until: new Date('2026-03-10T05:17:00Z'),
      reason: 'waiting for the next slot',
    });
  });

  it('collapses missed slots: three days down means one run, then the next slot', () => {
    const now = new Date('2026-03-12T09:00:00Z');
    expect(decide(base({ now }))).toMatchObject({ action: 'run', kind: 'slot' });
    const after = decide(base({ now: new Date(now.getTime() + 60_000), lastRunAt: now, lastAnyRunAt: now }));
    expect(after).toMatchObject({ action: 'wait', until: new Date('2026-03-13T05:17:00Z') });
  });

  it('counts the first slot from when the schedule was set', () => {
    const d = decide(
      base({ lastRunAt: null, lastAnyRunAt: null, scheduleSetAt: new Date('2026-03-10T05:20:00Z') }),
    );
    expect(d).toMatchObject({ action: 'wait', until: new Date('2026-03-11T05:17:00Z') });
  });

  it('never starts right after another sync (start-up after a restart)', () => {
    const d = decide(base({ lastAnyRunAt: new Date('2026-03-10T05:00:00Z') }));
    expect(d).toMatchObject({
      action: 'wait',
      until: new Date('2026-03-10T06:00:00Z'),
      reason: 'the family synced recently',
    });
  });

  it('spaces runs when the budget runs short, and stops until next month when it is used up', () => {
    const spaced = decide(
      base({ pace: { kind: 'spaced', minIntervalMs: 48 * H, remaining: 100, affordableRuns: 10 } }),
    );
    expect(spaced).toMatchObject({ action: 'wait', until: new Date('2026-03-11T05:17:00Z') });
    const exhausted = decide(
      base({ pace: { kind: 'exhausted', until: new Date('2026-04-01T00:00:00Z'), remaining: 3 } }),
    );
    expect(exhausted).toMatchObject({ action: 'wait', until: new Date('2026-04-01T00:00:00Z') });
    expect(exhausted.reason).toMatch(/budget is used up/);
  });

  it('retries failed connections when their backoff ends, and waits for a family-wide retry', () => {
    const now = new Date('2026-03-10T08:00:00Z');
    const lastRunAt = new Date('2026-03-10T05:17:00Z');
    const retry = decide(
      base({
        now,
        lastRunAt,
        lastAnyRunAt: lastRunAt,
        connectionRetries: [
          { connectionId: 'c1', at: new Date('2026-03-10T07:59:00Z') },
          { connectionId: 'c2', at: new Date('2026-03-10T09:00:00Z') },
        ],
      }),
    );
    expect(retry).toEqual({
      action: 'run',
      kind: 'retry',
      due: new Date('2026-03-10T07:59:00Z'),
      connectionIds: ['c1'],
      reason: 'retry of failed connections',
    });
    const familyWait = decide(base({ familyRetryAt: new Date('2026-03-10T06:00:00Z') }));
    expect(familyWait).toMatchObject({ action: 'wait', until: new Date('2026-03-10T06:00:00Z') });
    const familyDue = decide(
      base({
        now,
        lastRunAt,
        lastAnyRunAt: new Date('2026-03-10T07:45:00Z'),
        familyRetryAt: new Date('2026-03-10T07:50:00Z'),
      }),
    );
    expect(familyDue).toMatchObject({ action: 'run', kind: 'slot', reason: 'retry after a failed sync' });
  });

  it('does nothing when the schedule is off', () => {
    expect(decide(base({ enabled: false }))).toMatchObject({ action: 'wait', until: null });
  });
});

describe('budget pacing', () => {
  it('is normal when the month fits, spaced when it does not, exhausted when nothing is left', () => {
    const now = new Date('2026-03-21T00:00:00Z'); // 11 days left: 11 daily runs
    expect(pace({ cron: '0 5 * * *', timeZone: 'UTC', now, remaining: 1100, callsPerSync: 100 })).toEqual({
      kind: 'normal',
    });
    const p = pace({ cron: '0 5 * * *', timeZone: 'UTC', now, remaining: 550, callsPerSync: 100 });
    expect(p).toMatchObject({ kind: 'spaced', affordableRuns: 5 });
    expect(p.kind === 'spaced' && p.minIntervalMs).toBe((11 * 24 * H) / 5);
    expect(pace({ cron: '0 5 * * *', timeZone: 'UTC', now, remaining: 99, callsPerSync: 100 })).toMatchObject(
      {
        kind: 'exhausted',
        until: new Date('2026-04-01T00:00:00Z'),
      },
    );
  });
});

describe('backoff and cron helpers', () => {
  it('doubles from 15 minutes up to the cap', () => {
    const policy = { baseMs: 15 * 60_000, maxMs: 24 * H };
    expect([1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, policy) / 60_000)).toEqual([
      15, 30, 60, 120, 1440, 1440,
    ]);
  });

  it('validates cron and counts runs per month', () => {
    expect(cronProblem('17 5 * * *', 'America/New_York')).toBeNull();
    expect(cronProblem('not cron', 'UTC')).toMatch(/^not a cron expression/);
    expect(cronProblem('* * * * *', 'UTC')).toBe('runs more often than every 5 minutes');
    expect(runsPerMonth('17 5 * * *', 'UTC', new Date('2026-03-01T00:00:00Z'))).toBe(30);
    expect(runsPerMonth('0 */6 * * *', 'UTC', new Date('2026-03-01T00:00:00Z'))).toBe(122);
    expect(runsPerMonth('0 6 * * 1', 'UTC', new Date('2026-03-01T00:00:00Z'))).toBe(4);
  });
});

describe('intervalText', () => {
  it('says a pacing interval in minutes, hours or days', () => {
    expect(intervalText(16 * 60_000)).toBe('16 minutes');
    expect(intervalText(20_000)).toBe('1 minute');
    expect(intervalText(6 * 3_600_000)).toBe('6 hours');
    expect(intervalText(3 * 86_400_000)).toBe('3 days');
  });
});

import { describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../../sync/run.js';
import type { TaskEvent } from '../../tasks.js';
import { syncProgress } from './routes.js';

describe('sync progress for the live bar', () => {
  it('keeps "Account i of n" and the bar where it is while Sophtron works on an account', () => {
    const seen: TaskEvent[] = [];
    const on = syncProgress((e) => seen.push(e));
    const window = { from: '2026-10-01', to: '2026-11-21' } as Extract<
      SyncEvent,
      { type: 'account-started' }
    >['window'];
    on({
      type: 'run-started',
      runId: 'r',
      familyId: 'f',
      accounts: [
        { accountId: 'a', accountName: 'Checking' },
        { accountId: 'b', accountName: 'Visa' },
      ],
    });
    on({
      type: 'account-started',
      runId: 'r',
      accountId: 'b',
      accountName: 'Visa',
      index: 1,
      total: 2,
      window,
    });
    on({ type: 'account-progress', runId: 'r', accountId: 'b', stage: 'refreshing' });
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ type: 'progress', value: 1, max: 2 });
    expect(last.type === 'progress' && last.label).toBe(
      'Account 2 of 2: Visa: Sophtron is refreshing it at the bank (this can take minutes)…',
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { DeliveryResult } from '../../destinations/firefly/deliver.js';
import type { SyncRunResult } from '../../sync/run.js';
import { describeImport } from './run.js';

const delivery = (over: Partial<DeliveryResult> = {}) =>
  ({ created: 3, updated: 1, failed: 0, aborted: null, ...over }) as DeliveryResult;
const sync = (outcomes: string[]) =>
  ({
    outcome: outcomes.every((o) => o === 'failed')
      ? 'failed'
      : outcomes.includes('failed')
        ? 'partial'
        : 'succeeded',
    accounts: outcomes.map((outcome) => ({ outcome })),
  }) as SyncRunResult;

describe('the one-line result of an unattended import', () => {
  it('says "Imported" only when everything worked', () => {
    expect(describeImport(sync(['succeeded', 'succeeded']), delivery())).toEqual({
      ok: true,
      message: 'Imported: sync succeeded; 3 created, 1 updated, 0 failed in Firefly III.',
    });
    expect(describeImport(null, delivery()).message).toBe(
      'Imported: 3 created, 1 updated, 0 failed in Firefly III.',
    );
  });

  it('names failed accounts, failed transactions and an early stop', () => {
    const r = describeImport(sync(['failed', 'failed']), delivery({ created: 0, updated: 0 }));
    expect(r.ok).toBe(false);
    expect(r.message).toBe(
      'Import finished with problems: sync failed (2 of 2 accounts failed); 0 created, 0 updated, 0 failed in Firefly III.',
    );
    const partial = describeImport(
      sync(['succeeded', 'failed']),
      delivery({ failed: 2, aborted: 'Firefly III refused the token' }),
    );
    expect(partial.ok).toBe(false);
    expect(partial.message).toContain('sync partial (1 of 2 accounts failed)');
    expect(partial.message).toContain(
      '2 failed in Firefly III; stopped early: Firefly III refused the token.',
    );
  });
});

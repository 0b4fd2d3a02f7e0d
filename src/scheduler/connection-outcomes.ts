/**
 * What a scheduled sync chose to sync (the family's syncable accounts and their bank logins), and
 * how each login came out: backoff for a failure, none for a login that needs a person (its status
 * keeps it out), and an incident change the notifier announces.
 */
import type { Store } from '../store/index.js';
import { recordFailure } from './backoff.js';
import type { SchedulerContext } from './context.js';
import type { ScheduledSyncResult } from './types.js';

export interface SyncTarget {
  accountId: string;
  connectionId: string;
  status: string;
  institutionName: string;
}

export async function syncTargets(store: Store, familyId: string): Promise<SyncTarget[]> {
  const rows = await store.listSyncableAccounts(familyId);
  return rows.map((a) => ({
    accountId: a.id,
    connectionId: a.connection_id,
    status: a.connection_status,
    institutionName: a.institution_name,
  }));
}

type Outcomes = ScheduledSyncResult['accounts'];

/** The run's account outcomes grouped by bank login. */
function byConnection(list: SyncTarget[], result: ScheduledSyncResult) {
  const grouped = new Map<string, { target: SyncTarget; outcomes: Outcomes }>();
  for (const a of result.accounts) {
    const target = list.find((t) => t.accountId === a.accountId);
    if (!target) continue;
    const entry = grouped.get(target.connectionId) ?? { target, outcomes: [] };
    entry.outcomes.push(a);
    grouped.set(target.connectionId, entry);
  }
  return grouped;
}

export async function recordConnections(
  ctx: SchedulerContext,
  familyId: string,
  list: SyncTarget[],
  result: ScheduledSyncResult,
): Promise<void> {
  const { store, notifier } = ctx;
  const at = ctx.now();
  for (const [connectionId, { target, outcomes }] of byConnection(list, result)) {
    const subject = `connection:${connectionId}`;
    const attention = outcomes.find((o) => o.outcome === 'needs_attention');
    const failed = outcomes.find((o) => o.outcome === 'failed');
    if (attention) {
      // not retried: the connection's status keeps it out until a person reconnects it
      await store.clearBackoff(familyId, connectionId);
      await notifier.outcome(familyId, subject, target.institutionName, {
        ok: false,
        kind: 'needs_attention',
        message: `${target.institutionName}: ${attention.error ?? 'the bank asks for a security step (MFA) or new credentials'}`,
      });
    } else if (failed) {
      const error = failed.error ?? 'sync failed';
      const b = await recordFailure(store, familyId, connectionId, error, ctx.settings.backoff, at);
      ctx.deps.log?.warn(
        { familyId, connectionId, failures: b.failures, retryAt: b.nextAttemptAt },
        'connection sync failed; will retry',
      );
      await notifier.outcome(familyId, subject, target.institutionName, {
        ok: false,
        kind: 'failure',
        message: `${target.institutionName}: ${error}`,
      });
    } else if (outcomes.some((o) => o.outcome === 'succeeded')) {
      await store.clearBackoff(familyId, connectionId);
      await notifier.outcome(familyId, subject, target.institutionName, { ok: true });
    }
  }
}

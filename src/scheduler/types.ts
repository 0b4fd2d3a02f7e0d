/** What the scheduler needs from the sync engine and the Firefly III destination (injected). */
import type { AccountSyncOutcome } from '../store/schema.js';

export interface ScheduledSyncAccount {
  accountId: string;
  outcome: AccountSyncOutcome;
  error?: string | null;
  newCount?: number;
}

export interface ScheduledSyncResult {
  outcome: 'succeeded' | 'partial' | 'failed';
  accounts: ScheduledSyncAccount[];
  sophtronCalls?: number;
  error?: string | null;
}

/** Runs one sync of the given accounts (src/sync's syncFamily, adapted). */
export type RunSync = (
  familyId: string,
  /** `lockHeldBy`: the scheduler holds the family's sync lock (src/sync/lock.ts) under this owner. */
  options: { accountIds: string[]; trigger: 'schedule'; lockHeldBy: string },
) => Promise<ScheduledSyncResult>;

/** Delivers what changed to Firefly III with the family's saved import configuration. */
export type DeliverFirefly = (
  familyId: string,
  options: Record<string, unknown>,
  /** The scheduler holds the family's lock under this owner; absent, the delivery takes it. */
  lock?: { heldBy: string },
) => Promise<{ message: string }>;

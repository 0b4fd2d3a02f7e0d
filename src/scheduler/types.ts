/** What the scheduler needs from the sync engine and the destinations (injected by wiring.ts). */
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
  /** `lockHeldBy`: the scheduler holds the family's sync lock (src/store/family-lock.ts) under this owner. */
  options: { accountIds: string[]; trigger: 'schedule'; lockHeldBy: string },
) => Promise<ScheduledSyncResult>;

/** Delivers what changed to one destination of the family, with its saved options (the app's). */
export type RunDelivery = (
  familyId: string,
  /** A destination's name in the registry (src/app/destinations.ts). */
  destination: string,
  options: unknown,
  /** `lockHeldBy`: the scheduler holds the family's lock under this owner; absent, the delivery takes it. */
  run: { lockHeldBy?: string; now?: Date },
) => Promise<{ message: string }>;

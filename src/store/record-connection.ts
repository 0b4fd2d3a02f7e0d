/**
 * Writes what a connect (or reconnect) job ended with into the ledger: the connection with its
 * status and the provider accounts Sophtron listed. The CLI `connect` command and the web call it.
 */
import type { Institution, JobOutcome, ProviderAccountData } from '../domain/types.js';
import type { Connection } from './connections.js';
import type { Store, StoreTx } from './index.js';
import type { ProviderAccount } from './accounts.js';
import type { ConnectionStatus } from './schema.js';

export interface RecordedConnection {
  connection: Connection;
  providerAccounts: ProviderAccount[];
}

export function connectionStatusOf(outcome: JobOutcome): { status: ConnectionStatus; reason: string | null } {
  switch (outcome.outcome) {
    case 'connected':
      return { status: 'connected', reason: null };
    case 'needs_attention':
      return { status: 'needs_attention', reason: outcome.reason };
    case 'failed':
      return { status: 'failed', reason: outcome.message };
    case 'timed_out':
      return {
        status: 'needs_attention',
        reason: `the bank did not finish within ${Math.round(outcome.afterMs / 1000)} s; try again later`,
      };
  }
}

/**
 * `userInstitutionId` is needed when the outcome does not carry it (failed, timed out,
 * needs attention): createConnection returned it. Without any, nothing is recorded.
 */
export async function recordConnection(
  store: Store,
  familyId: string,
  outcome: JobOutcome,
  institution: Pick<Institution, 'id' | 'name' | 'countryCode'>,
  accounts: ProviderAccountData[],
  options: { userInstitutionId?: string } = {},
): Promise<RecordedConnection | undefined> {
  const userInstitutionId =
    outcome.outcome === 'connected' ? outcome.userInstitutionId : options.userInstitutionId;
  if (!userInstitutionId) return undefined;
  const { status, reason } = connectionStatusOf(outcome);
  return store.transaction(async (tx: StoreTx) => {
    const connection = await tx.upsertConnection(familyId, {
      userInstitutionId,
      institutionId: institution.id,
      institutionName: institution.name,
      status,
      statusReason: reason,
      countryCode: institution.countryCode,
    });
    const mine = accounts.filter((a) => !a.userInstitutionId || a.userInstitutionId === userInstitutionId);
    const providerAccounts = await tx.upsertProviderAccounts(familyId, connection.id, mine, {
      // A connected job lists every account; a failed one may list none, which proves nothing.
      complete: status === 'connected',
    });
    if (status === 'connected') await tx.markConnectionRefreshed(familyId, connection.id);
    return { connection, providerAccounts };
  });
}

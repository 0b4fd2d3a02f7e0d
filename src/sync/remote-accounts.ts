import type { Institution } from '../domain/types.js';
import type { SophtronApi } from '../sophtron/api.js';
import type { Store } from '../store/index.js';

/**
 * Reads every bank login and account the family has at Sophtron into the ledger (for logins made
 * elsewhere, e.g. in Sophtron's dashboard or before this database existed). A known connection
 * keeps its name and status; a new one is recorded as connected. Returns what was seen.
 */
export async function importRemoteAccounts(
  store: Store,
  familyId: string,
  api: Pick<SophtronApi, 'listConnections' | 'getInstitution' | 'listAccounts'>,
): Promise<{ connections: number; accounts: number }> {
  const remote = await api.listConnections();
  let accounts = 0;
  for (const r of remote) {
    const known = await store.findConnectionByUserInstitution(familyId, r.userInstitutionId);
    let institution: Pick<Institution, 'name' | 'countryCode'> = {
      name: known?.institution_name ?? r.institutionId,
      countryCode: known?.country_code ?? null,
    };
    if (!known) institution = await api.getInstitution(r.institutionId).catch(() => institution);
    const list = await api.listAccounts(r.userInstitutionId);
    await store.transaction(async (tx) => {
      const connection = await tx.upsertConnection(familyId, {
        userInstitutionId: r.userInstitutionId,
        institutionId: r.institutionId,
        institutionName: institution.name,
        status: known?.status ?? 'connected',
        statusReason: known?.status_reason ?? null,
        countryCode: institution.countryCode,
      });
      await tx.upsertProviderAccounts(familyId, connection.id, list, { complete: true });
    });
    accounts += list.length;
  }
  return { connections: remote.length, accounts };
}

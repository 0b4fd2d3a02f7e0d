/** What the connect pages read before they render: institutions, sessions, connections, accounts. */
import type { Institution } from '../../../domain/types.js';
import type { ConnectInstitution } from '../../../store/connect-sessions.js';
import type { Connection, ProviderAccountListing, Store } from '../../../store/index.js';
import type { Ctx } from '../../context.js';
import { currentUser } from '../../context.js';
import type { ConnectSession, ConnectSessions } from '../../connect/sessions.js';

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The family's Sophtron client (its saved credentials, else the environment's, else the sandbox). */
export const familySophtron = (c: Ctx) => c.var.deps.services.sophtron.client(currentUser(c).familyId);

/** The bank a saved connection logs in to, as a connect session names it. */
export const institutionOf = (conn: Connection): ConnectInstitution => ({
  id: conn.institution_id,
  name: conn.institution_name,
  countryCode: conn.country_code,
});

/** The family's accounts not linked to any provider account (a new link may continue one). */
export interface UnlinkedAccount {
  id: string;
  name: string;
  currency: string;
  previousSophtronAccountId: string | null;
}

export async function unlinkedAccounts(store: Store, familyId: string): Promise<UnlinkedAccount[]> {
  return (await store.listAccounts(familyId))
    .filter((a) => a.provider_account_id === null)
    .map((a) => ({
      id: a.id,
      name: a.name,
      currency: a.currency,
      previousSophtronAccountId: a.previous_sophtron_account_id,
    }));
}

/** Banks matching `q` (two letters at least), or the reason Sophtron could not be asked. */
export async function searchInstitutions(
  c: Ctx,
  q: string,
): Promise<{ items: Institution[]; error: string | null }> {
  if (q.length < 2) return { items: [], error: null };
  try {
    const api = await familySophtron(c);
    return { items: await api.searchInstitutions(q), error: null };
  } catch (err) {
    return { items: [], error: errorText(err) };
  }
}

/** The institution the URL names, or the reason it could not be read. */
export async function loadInstitution(c: Ctx): Promise<Institution | string> {
  try {
    const api = await familySophtron(c);
    return await api.getInstitution(c.req.param('institutionId') ?? '');
  } catch (err) {
    return errorText(err);
  }
}

/** The bank login the URL names (`:connectionId` or `:id`), if it is the family's. */
export const loadConnection = (c: Ctx, param: 'id' | 'connectionId'): Promise<Connection | undefined> =>
  c.var.deps.store.getConnection(currentUser(c).familyId, c.req.param(param) ?? '');

/** The connect session the URL names, only for the login session and family that started it. */
export const loadMySession = async (
  c: Ctx,
  connects: ConnectSessions,
): Promise<ConnectSession | undefined> =>
  c.var.session
    ? connects.get(c.req.param('id') ?? '', {
        session: c.var.session.idHash,
        familyId: currentUser(c).familyId,
      })
    : undefined;

/** Once the bank is connected, the live part lists its accounts and the ones they may continue. */
export interface LiveData {
  providerAccounts?: ProviderAccountListing[];
  existing?: UnlinkedAccount[];
}

export async function loadLive(store: Store, s: ConnectSession): Promise<LiveData> {
  if (s.phase !== 'accounts' || !s.connectionId) return {};
  const providerAccounts = await store.listProviderAccounts(s.familyId, { connectionId: s.connectionId });
  return { providerAccounts, existing: await unlinkedAccounts(store, s.familyId) };
}

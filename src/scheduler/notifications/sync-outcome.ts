/**
 * What a sync run tells people about its bank logins, whoever started it (command line, web,
 * API): a login that needs attention opens an incident (one message, however many runs see it),
 * and a login refreshed again closes it (one recovery message). The scheduler records its own runs
 * (with retries and backoff) in scheduler.ts.
 */
import type { Store } from '../../store/index.js';
import type { AccountSyncResult } from '../../sync/run.js';
import { createNotifier, type Notifier, type NotifierDeps } from './notifier.js';

export interface LoginAttention {
  connectionId: string;
  userInstitutionId: string;
  institutionName: string;
  accountNames: string[];
  reason: string;
  /** The bank refused the login (new credentials needed), rather than asking a question. */
  refused: boolean;
}

/** The bank logins of a run that need a person, with their accounts (in run order). */
export async function loginsNeedingAttention(
  store: Store,
  familyId: string,
  accounts: readonly AccountSyncResult[],
): Promise<LoginAttention[]> {
  const byLogin = new Map<string, LoginAttention>();
  for (const a of accounts) {
    if (a.outcome !== 'needs_attention') continue;
    const r = a.refresh;
    const reason = r.state === 'needs_attention' || r.state === 'skipped' ? r.reason : (a.note ?? '');
    const refused = (r.state === 'needs_attention' || r.state === 'skipped') && r.refused === true;
    const had = byLogin.get(a.connectionId);
    if (had) had.accountNames.push(a.accountName);
    else
      byLogin.set(a.connectionId, {
        connectionId: a.connectionId,
        userInstitutionId: a.userInstitutionId,
        institutionName: a.connectionId,
        accountNames: [a.accountName],
        reason,
        refused,
      });
  }
  const names = await store.institutionNames(familyId, [...byLogin.keys()]);
  for (const [id, name] of names) byLogin.get(id)!.institutionName = name;
  return [...byLogin.values()];
}

/** Records each bank login's outcome of a run as an incident; messages go out once per change. */
export async function announceSyncOutcome(
  notifier: Notifier,
  store: Store,
  familyId: string,
  accounts: readonly AccountSyncResult[],
): Promise<LoginAttention[]> {
  const attention = await loginsNeedingAttention(store, familyId, accounts);
  for (const login of attention) {
    await notifier.outcome(familyId, `connection:${login.connectionId}`, login.institutionName, {
      ok: false,
      kind: 'needs_attention',
      message: `${login.institutionName} (${login.accountNames.join(', ')}): ${login.reason}`,
    });
  }
  const troubled = new Set(attention.map((l) => l.connectionId));
  const healthy = new Set<string>();
  for (const a of accounts) {
    if (a.refresh.state === 'refreshed' && !troubled.has(a.connectionId)) healthy.add(a.connectionId);
  }
  const names = await store.institutionNames(familyId, [...healthy]);
  for (const connectionId of healthy) {
    await notifier.outcome(familyId, `connection:${connectionId}`, names.get(connectionId) ?? connectionId, {
      ok: true,
    });
  }
  return attention;
}

/**
 * A manual sync (command line, web, API) announces its logins like a scheduled one; a notification
 * that cannot be recorded is logged and never fails the sync. Returns the logins needing a person.
 */
export async function announceManualSyncOutcome(
  deps: NotifierDeps,
  familyId: string,
  accounts: readonly AccountSyncResult[],
): Promise<LoginAttention[]> {
  try {
    return await announceSyncOutcome(createNotifier(deps), deps.store, familyId, accounts);
  } catch (err) {
    deps.log?.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'could not record notifications',
    );
    return loginsNeedingAttention(deps.store, familyId, accounts);
  }
}

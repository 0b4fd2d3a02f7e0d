/**
 * The refresh of a run's bank logins at Sophtron, once per login before any account is read, and
 * the note an account carries when its login could not be refreshed: the accounts still sync what
 * Sophtron already has.
 */
import pLimit from 'p-limit';
import { jobTiming, refreshConnection } from '../sophtron/connect.js';
import type { JobOutcome } from '../domain/types.js';
import type { SyncableAccount } from '../store/index.js';
import { describeSyncError } from './errors.js';
import type { RefreshResult, RunContext } from './types.js';

/** Bank logins refreshed at once; more would only queue at the banks. */
const LOGIN_REFRESH_CONCURRENCY = 4;

type RefreshContext = RunContext & { runId: string };

/**
 * Refreshes each bank login of the run once (RefreshUserInstitution refreshes all its accounts in
 * one job), several logins at a time, before any account is read: five accounts of one login wait
 * for one job, not five in a row. Each account then shares its login's result.
 */
export async function refreshLogins(
  ctx: RefreshContext,
  accounts: readonly SyncableAccount[],
): Promise<Map<string, RefreshResult>> {
  const logins = new Map<string, SyncableAccount>();
  for (const a of accounts) if (!logins.has(a.connection_id)) logins.set(a.connection_id, a);
  const results = new Map<string, RefreshResult>();
  if (ctx.options.refresh === false) {
    for (const id of logins.keys()) results.set(id, { state: 'skipped', reason: 'not asked' });
    return results;
  }
  if (logins.size === 0) return results;
  ctx.emit({ type: 'refreshing', runId: ctx.runId, logins: logins.size });
  const limit = pLimit(LOGIN_REFRESH_CONCURRENCY);
  await Promise.all(
    [...logins.values()].map((login) =>
      limit(async () => results.set(login.connection_id, await refreshLogin(ctx, login))),
    ),
  );
  return results;
}

async function refreshLogin(ctx: RefreshContext, login: SyncableAccount): Promise<RefreshResult> {
  const { deps, options } = ctx;
  try {
    // No onChallenge: a sync runs unattended, so MFA ends the job as needs_attention.
    const outcome = await refreshConnection(deps.sophtron, login.user_institution_id, {
      ...jobTiming(deps.config),
      ...deps.jobOptions,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return await refreshOutcome(ctx, login, outcome);
  } catch (err) {
    options.signal?.throwIfAborted();
    return { state: 'failed', message: describeSyncError(err, 'refresh') };
  }
}

async function refreshOutcome(
  ctx: RefreshContext,
  login: SyncableAccount,
  outcome: JobOutcome,
): Promise<RefreshResult> {
  const { familyId } = ctx;
  const connections = ctx.store;
  switch (outcome.outcome) {
    case 'connected':
      await connections.markConnectionRefreshed(familyId, login.connection_id, ctx.clock().toISOString());
      if (login.connection_status !== 'connected') {
        await connections.setConnectionStatus(familyId, login.connection_id, 'connected', null);
      }
      return { state: 'refreshed' };
    case 'needs_attention':
      await connections.setConnectionStatus(familyId, login.connection_id, 'needs_attention', outcome.reason);
      return { state: 'needs_attention', reason: outcome.reason };
    case 'failed': {
      // The bank did not answer Sophtron in time: try again later, nothing for a person to fix.
      if (outcome.bankTimedOut) return { state: 'failed', message: outcome.message };
      // The bank refused the login (a changed password, a locked login): syncs of it cannot get
      // fresh data until a person gives Sophtron the new login, so say so where they look.
      const reason = `The bank refused the login: ${outcome.message}`;
      await connections.setConnectionStatus(familyId, login.connection_id, 'needs_attention', reason);
      return { state: 'needs_attention', reason, refused: true };
    }
    case 'timed_out':
      return {
        state: 'timed_out',
        message: `the refresh did not finish within ${Math.round(outcome.afterMs / 1000)} s`,
      };
  }
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export function refreshNote(r: RefreshResult): string | null {
  switch (r.state) {
    case 'refreshed':
      return null;
    case 'needs_attention':
      return r.refused
        ? `${lowerFirst(r.reason)}; synced what Sophtron already had`
        : `the bank asks for verification (${r.reason}); synced what Sophtron already had`;
    case 'failed':
    case 'timed_out':
      return `refresh at Sophtron failed (${r.message}); synced what Sophtron already had`;
    case 'skipped':
      if (!r.after) return null;
      if (r.refused) return `${lowerFirst(r.reason)}; synced what Sophtron already had`;
      return r.after === 'needs_attention'
        ? `the bank asks for verification (${r.reason}); synced what Sophtron already had`
        : `refresh at Sophtron failed for this bank login (${r.reason}); synced what Sophtron already had`;
  }
}

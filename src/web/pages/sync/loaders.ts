/** What the sync history pages show, read for one family. */
import type { WebDeps } from '../../context.js';
import { familyTimeZone } from '../../users.js';

export type HistoryData = Awaited<ReturnType<typeof loadHistory>>;
export type RunData = NonNullable<Awaited<ReturnType<typeof loadRun>>>;

/** The family's last 100 runs, and its time zone. */
export async function loadHistory(deps: WebDeps, familyId: string) {
  const timeZone = await familyTimeZone(deps.store, familyId);
  const runs = await deps.store.listRuns(familyId, { limit: 100 });
  return { runs, timeZone };
}

/** One run with its accounts (and their names), or null when the family has no such run. */
export async function loadRun(deps: WebDeps, familyId: string, runId: string) {
  const run = await deps.store.getRun(familyId, runId);
  if (!run) return null;
  const timeZone = await familyTimeZone(deps.store, familyId);
  const names = new Map((await deps.store.listAccounts(familyId)).map((a) => [a.id, a.name]));
  return { run, timeZone, names };
}

/** What each wizard page shows, gathered from the store, the live tasks and Firefly III. */
import { opposingName } from '../../../destinations/firefly/convert.js';
import { FireflyUnreachableError, type FireflyAccount } from '../../../destinations/firefly/client.js';
import type { Ctx } from '../../context.js';
import { prepareImport } from '../../import/engine.js';
import type { ImportDraft } from '../../import/drafts.js';
import { flashFrom } from '../../render.js';
import type { LiveTasks } from '../../tasks.js';
import { errorText } from './shared.js';

export type FireflyAnswer = { accounts: FireflyAccount[] } | { problem: string; connected: boolean };

/** The family's Firefly III accounts, or why they cannot be listed (not set up, no answer, refused). */
export async function fireflyAccounts(c: Ctx, familyId: string): Promise<FireflyAnswer> {
  const { firefly } = c.var.deps.services;
  const client = await firefly.client(familyId, { interactive: true });
  if (!client)
    return {
      problem: 'Firefly III is not connected: set its address and token in Settings first.',
      connected: false,
    };
  try {
    return { accounts: (await client.listAccounts('all')).filter((a) => a.active !== false) };
  } catch (err) {
    const where = (await firefly.describe(familyId))?.url ?? 'its address';
    return {
      problem:
        err instanceof FireflyUnreachableError
          ? `Firefly III did not answer at ${where}: ${errorText(err)}`
          : errorText(err),
      connected: true,
    };
  }
}

/** The linked accounts to choose from, and the Firefly III accounts they may go to. */
export async function loadAccountsStep(c: Ctx, d: ImportDraft) {
  const listings = (await c.var.deps.store.listProviderAccounts(d.familyId)).filter((p) => p.account);
  const ff = await fireflyAccounts(c, d.familyId);
  const assetLike =
    'accounts' in ff
      ? ff.accounts.filter((a) => a.type === 'asset' || a.type === 'liabilities' || a.type === 'liability')
      : [];
  return { listings, ff, assetLike };
}
export type AccountsStep = Awaited<ReturnType<typeof loadAccountsStep>>;

/** The other parties of the chosen accounts' transactions, most frequent first, and where they may go. */
export async function loadMapStep(c: Ctx, d: ImportDraft) {
  const { store } = c.var.deps;
  const prepared = await prepareImport(store, d.familyId, d.config);
  const names = new Map<string, number>();
  const { rows } = await store.listTransactions(d.familyId, {
    accountIds: prepared.accountIds,
    limit: 5000,
  });
  for (const t of rows) {
    const n = opposingName(t);
    if (n) names.set(n, (names.get(n) ?? 0) + 1);
  }
  const ff = await fireflyAccounts(c, d.familyId);
  const targets =
    'accounts' in ff
      ? ff.accounts.filter((a) => a.type === 'expense' || a.type === 'revenue' || a.type === 'asset')
      : [];
  const current = d.config.mapping['0'] ?? {};
  const sorted = [...names.entries()].sort((a, b) => b[1] - a[1]).slice(0, 200);
  return { ff, targets, current, sorted };
}
export type MapStep = Awaited<ReturnType<typeof loadMapStep>>;

/** The family's live task named in the page's `?task=`, if any. */
export async function taskOf(c: Ctx, tasks: LiveTasks, d: ImportDraft) {
  const taskId = c.req.query('task');
  return taskId ? await tasks.get(taskId, d.familyId) : undefined;
}

/** The delivery step: its running task, the flash it came back with, and whether Firefly III is set up. */
export async function loadDeliverStep(c: Ctx, tasks: LiveTasks, d: ImportDraft) {
  const task = await taskOf(c, tasks, d);
  const flash = flashFrom(c);
  const connected = (await c.var.deps.services.firefly.describe(d.familyId)) !== null;
  return { task, flash, connected };
}
export type DeliverStep = Awaited<ReturnType<typeof loadDeliverStep>>;

/**
 * "Sync now" with live progress, and the history of sync runs with per-account outcomes. The
 * history is read by sync/loaders.ts and shown by sync/views.tsx; the routes here parse, call, redirect.
 */
import type { SyncEvent } from '../../../sync/run.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { LiveProgress } from '../../components/progress.js';
import { formData } from '../../forms.js';
import { flashFrom, messagePage, page, withFlash } from '../../render.js';
import { OverBudgetError } from '../../../scheduler/manual-budget.js';
import type { LiveTasks, TaskEvent } from '../../tasks.js';
import { formatTimestamp } from '../../time.js';
import { loadHistory, loadRun } from './loaders.js';
import { HistoryPage, OverBudgetPage, RunPage } from './views.js';

/** Turns sync events into progress-bar events. */
export function syncProgress(emit: (e: TaskEvent) => void): (e: SyncEvent) => void {
  let total = 1;
  let done = 0;
  // Each account's "Account i of n: name" stays in the label while Sophtron works on it.
  const names = new Map<string, string>();
  return (e) => {
    switch (e.type) {
      case 'run-started':
        total = Math.max(1, e.accounts.length);
        emit({ type: 'progress', value: 0, max: total, label: `Syncing ${e.accounts.length} accounts` });
        for (const text of e.notes ?? []) emit({ type: 'line', text });
        break;
      case 'account-started':
        names.set(e.accountId, `Account ${e.index + 1} of ${e.total}: ${e.accountName}`);
        done = e.index;
        total = Math.max(1, e.total);
        emit({
          type: 'progress',
          value: e.index,
          max: e.total,
          label: `${names.get(e.accountId)!} (${e.window.from} to ${e.window.to})`,
        });
        break;
      case 'account-progress':
        emit({
          type: 'progress',
          value: done,
          max: total,
          label: `${names.get(e.accountId) ?? 'Account'}: ${
            {
              refreshing: 'Sophtron is refreshing it at the bank (this can take minutes)…',
              reading: 'reading transactions…',
              writing: 'writing to the ledger…',
            }[e.stage]
          }`,
        });
        break;
      case 'account-finished': {
        const r = e.result;
        emit({ type: 'progress', value: e.index + 1, max: e.total, label: `${r.accountName}: ${r.outcome}` });
        const counts = `${r.counts.new} new, ${r.counts.updated} updated, ${r.counts.merged} pending→posted`;
        emit({
          type: 'line',
          text: `${r.accountName}: ${r.outcome}${r.error ? ` (${r.error})` : `, ${counts}`}${r.note ? `. ${r.note}` : ''}`,
        });
        break;
      }
      case 'run-finished':
        emit({ type: 'progress', value: total, max: total, label: `Finished: ${e.result.outcome}` });
        break;
    }
  };
}

export function registerSyncPages(app: WebApp, tasks: LiveTasks): void {
  app.post('/sync', (c) => startSync(c, tasks));

  app.get('/sync/over-budget', (c) =>
    page(
      c,
      "Over the month's Sophtron budget",
      <OverBudgetPage accountIds={c.req.queries('account_id') ?? []} csrf={c.var.csrf} />,
      { flash: flashFrom(c) },
    ),
  );

  app.get('/sync/live/:id', async (c) => {
    const task = await tasks.get(c.req.param('id'), currentUser(c).familyId);
    if (!task) return messagePage(c, 'Not found', 'There is no such sync.', 404);
    return page(c, 'Syncing', <LiveProgress taskId={task.id} label="Sync progress" since={task.startedAt} />);
  });

  app.get('/sync/history', async (c) => {
    const data = await loadHistory(c.var.deps, currentUser(c).familyId);
    return page(c, 'Sync history', <HistoryPage {...data} />, { flash: flashFrom(c) });
  });

  app.get('/sync/history/:id', async (c) => {
    const data = await loadRun(c.var.deps, currentUser(c).familyId, c.req.param('id'));
    if (!data) return messagePage(c, 'Not found', 'There is no such sync run.', 404);
    const title = `Sync of ${formatTimestamp(data.run.started_at, data.timeZone)}`;
    return page(c, title, <RunPage {...data} csrf={c.var.csrf} />);
  });
}

/** "Sync now" (of every account, or of those posted): a live task, then the run's page. */
async function startSync(c: Ctx, tasks: LiveTasks) {
  const user = currentUser(c);
  const form = await formData(c);
  const raw = form.account_id;
  const ids = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((x) => x.length > 0 && x.length < 100);
  if (ids.length) {
    for (const id of ids)
      if (!(await c.var.deps.store.getAccount(user.familyId, id)))
        return messagePage(c, 'Not found', 'There is no such account.', 404);
  }
  const overBudget = form.over_budget === '1';
  const task = await tasks.start(user.familyId, 'sync', async (emit) => {
    let result;
    try {
      result = await c.var.deps.services.sync.run(user.familyId, {
        trigger: 'web',
        ...(ids.length ? { accountIds: ids } : {}),
        onEvent: syncProgress(emit),
        overBudget,
      });
    } catch (err) {
      if (!(err instanceof OverBudgetError)) throw err;
      // The figures, and a button to go on: nothing was called.
      const query = ids.map((id) => `account_id=${encodeURIComponent(id)}`).join('&');
      return {
        type: 'done',
        ok: false,
        redirect: withFlash(`/sync/over-budget${query ? `?${query}` : ''}`, 'error', `${err.message}.`),
        message: err.message,
      };
    }
    return {
      type: 'done',
      ok: result.outcome !== 'failed',
      redirect: `/sync/history/${result.runId}`,
      message: result.outcome,
    };
  });
  return c.redirect(`/sync/live/${task.id}`);
}

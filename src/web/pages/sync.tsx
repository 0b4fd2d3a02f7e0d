/** "Sync now" with live progress, and the history of sync runs with per-account outcomes. */
import type { Store } from '../../store/index.js';
import type { SyncEvent } from '../../sync/run.js';
import type { WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { LiveProgress } from '../components/progress.js';
import { formData } from '../forms.js';
import { CsrfField } from '../layout.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';
import { OverBudgetError } from '../../scheduler/manual-budget.js';
import type { LiveTasks, TaskEvent } from '../tasks.js';
import { formatTimestamp } from '../time.js';
import { familyTimeZone } from '../users.js';

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

type RunAccount = NonNullable<Awaited<ReturnType<Store['getRun']>>>['accounts'][number];

/** The counted columns of a run's accounts: heading (also each value's label on a phone) and value. */
const COUNTS: [string, (a: RunAccount) => number][] = [
  ['New', (a) => a.new_count],
  ['Updated', (a) => a.updated_count],
  ['Pending → posted', (a) => a.merged_count],
  ['Vanished', (a) => a.vanished_count],
  ['Sophtron calls', (a) => a.sophtron_calls],
];

export function registerSyncPages(app: WebApp, tasks: LiveTasks): void {
  app.post('/sync', async (c) => {
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
  });

  app.get('/sync/over-budget', (c) => {
    const ids = c.req.queries('account_id') ?? [];
    return page(
      c,
      "Over the month's Sophtron budget",
      <>
        <p>
          Nothing was asked of Sophtron. Syncing anyway spends calls the schedule may then lack this month
          (scheduled syncs wait for the next month when the budget is used up).
        </p>
        <form method="post" action="/sync" class="inline">
          <CsrfField token={c.var.csrf} />
          <input type="hidden" name="over_budget" value="1" />
          {ids.map((id) => (
            <input type="hidden" name="account_id" value={id} />
          ))}
          <button type="submit">Sync anyway</button>
        </form>{' '}
        <a href="/" class="button secondary">
          Cancel
        </a>
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.get('/sync/live/:id', async (c) => {
    const task = await tasks.get(c.req.param('id'), currentUser(c).familyId);
    if (!task) return messagePage(c, 'Not found', 'There is no such sync.', 404);
    return page(c, 'Syncing', <LiveProgress taskId={task.id} label="Sync progress" since={task.startedAt} />);
  });

  app.get('/sync/history', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const tz = await familyTimeZone(c.var.deps.store, user.familyId);
    const runs = await store.listRuns(user.familyId, { limit: 100 });
    return page(
      c,
      'Sync history',
      runs.length === 0 ? (
        <p>No syncs yet.</p>
      ) : (
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="num">
                Sophtron calls
              </th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr>
                <td>
                  <a href={`/sync/history/${r.id}`}>{formatTimestamp(r.started_at, tz)}</a>
                </td>
                <td data-label="Trigger">{r.trigger}</td>
                <td>
                  <span class={`pill ${r.outcome}`}>{r.outcome}</span>
                </td>
                <td class="num" data-label="Sophtron calls">
                  {r.sophtron_calls}
                </td>
                <td>{r.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ),
      { flash: flashFrom(c) },
    );
  });

  app.get('/sync/history/:id', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const run = await store.getRun(user.familyId, c.req.param('id'));
    if (!run) return messagePage(c, 'Not found', 'There is no such sync run.', 404);
    const tz = await familyTimeZone(c.var.deps.store, user.familyId);
    const names = new Map((await store.listAccounts(user.familyId)).map((a) => [a.id, a.name]));
    // A running run counts its calls at the end; until then its accounts' counts are the truth so far.
    const running = run.finished_at === null;
    const calls = run.accounts.reduce((n, a) => n + a.sophtron_calls, 0);
    return page(
      c,
      `Sync of ${formatTimestamp(run.started_at, tz)}`,
      <>
        <p>
          Outcome: <span class={`pill ${run.outcome}`}>{run.outcome}</span> · trigger {run.trigger} ·{' '}
          {running ? calls : run.sophtron_calls} Sophtron calls ·{' '}
          {running ? 'still running (reload for news)' : `finished ${formatTimestamp(run.finished_at, tz)}`}
        </p>
        {run.error && <p class="flash error">{run.error}</p>}
        <table class="responsive" id="run-accounts">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Outcome</th>
              <th scope="col">Window</th>
              {COUNTS.map(([label]) => (
                <th scope="col" class="num">
                  {label}
                </th>
              ))}
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {run.accounts.map((a) => (
              <tr>
                <td>
                  <a href={`/accounts/${a.account_id}`}>{names.get(a.account_id) ?? a.account_id}</a>
                </td>
                <td>
                  <span class={`pill ${a.outcome}`}>{a.outcome}</span>
                </td>
                <td data-label="Window">{a.window_from ? `${a.window_from} to ${a.window_to}` : ''}</td>
                {COUNTS.map(([label, count]) => (
                  <td class="num" data-label={label}>
                    {count(a)}
                  </td>
                ))}
                <td>{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!running && (
          <form method="post" action="/sync">
            <CsrfField token={c.var.csrf} />
            <button type="submit">Sync again</button>
          </form>
        )}
      </>,
    );
  });
}

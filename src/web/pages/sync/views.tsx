/** The sync pages' views: "over the budget" (sync anyway?), the history of runs, and one run. */
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import type { HistoryData, RunData } from './loaders.js';

/** The figures came with the flash: nothing was called, and this form goes on anyway. */
export function OverBudgetPage({ accountIds, csrf }: { accountIds: string[]; csrf: string }) {
  return (
    <>
      <p>
        Nothing was asked of Sophtron. Syncing anyway spends calls the schedule may then lack this month
        (scheduled syncs wait for the next month when the budget is used up).
      </p>
      <form method="post" action="/sync" class="inline">
        <CsrfField token={csrf} />
        <input type="hidden" name="over_budget" value="1" />
        {accountIds.map((id) => (
          <input type="hidden" name="account_id" value={id} />
        ))}
        <button type="submit">Sync anyway</button>
      </form>{' '}
      <a href="/" class="button secondary">
        Cancel
      </a>
    </>
  );
}

export function HistoryPage({ runs, timeZone }: HistoryData) {
  if (runs.length === 0) return <p>No syncs yet.</p>;
  return (
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
              <a href={`/sync/history/${r.id}`}>{formatTimestamp(r.started_at, timeZone)}</a>
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
  );
}

type RunAccount = RunData['run']['accounts'][number];

/** The counted columns of a run's accounts: heading (also each value's label on a phone) and value. */
const COUNTS: [string, (a: RunAccount) => number][] = [
  ['New', (a) => a.new_count],
  ['Updated', (a) => a.updated_count],
  ['Pending → posted', (a) => a.merged_count],
  ['Vanished', (a) => a.vanished_count],
  ['Sophtron calls', (a) => a.sophtron_calls],
];

export function RunPage({ run, timeZone, names, csrf }: RunData & { csrf: string }) {
  // A running run counts its calls at the end; until then its accounts' counts are the truth so far.
  const running = run.finished_at === null;
  const calls = run.accounts.reduce((n, a) => n + a.sophtron_calls, 0);
  return (
    <>
      <p>
        Outcome: <span class={`pill ${run.outcome}`}>{run.outcome}</span> · trigger {run.trigger} ·{' '}
        {running ? calls : run.sophtron_calls} Sophtron calls ·{' '}
        {running
          ? 'still running (reload for news)'
          : `finished ${formatTimestamp(run.finished_at, timeZone)}`}
      </p>
      {run.error && <p class="flash error">{run.error}</p>}
      <RunAccounts accounts={run.accounts} names={names} />
      {!running && (
        <form method="post" action="/sync">
          <CsrfField token={csrf} />
          <button type="submit">Sync again</button>
        </form>
      )}
    </>
  );
}

function RunAccounts({ accounts, names }: { accounts: RunAccount[]; names: RunData['names'] }) {
  return (
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
        {accounts.map((a) => (
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
  );
}

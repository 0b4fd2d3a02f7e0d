/** The dashboard's view: logins needing attention, "Sync now", net worth, and the accounts by kind. */
import type { AccountKind } from '../../../store/schema.js';
import { formatMoney } from '../../../money.js';
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import { KIND_LABELS, type DashboardData } from './loaders.js';

const OUTCOME_LABELS: Record<string, string> = {
  succeeded: 'synced',
  failed: 'failed',
  needs_attention: 'needs attention',
  skipped: 'skipped',
  partial: 'partly synced',
};

type Props = DashboardData & { csrf: string };

export function DashboardPage(p: Props) {
  return (
    <>
      {p.attention.map((conn) => (
        <AttentionBanner conn={conn} csrf={p.csrf} />
      ))}
      <div class="actions">
        <form method="post" action="/sync" class="inline">
          <CsrfField token={p.csrf} />
          <button type="submit" disabled={p.accounts.length === 0}>
            Sync now
          </button>
        </form>
        <a href="/connect" class="button secondary">
          Connect a bank
        </a>
      </div>
      {p.accounts.length === 0 ? (
        <p>
          No accounts yet. <a href="/connect">Connect a bank</a> to start.
        </p>
      ) : (
        <>
          <section class="card" aria-labelledby="nw-h">
            <h2 id="nw-h">Net worth</h2>
            {p.netWorth.size === 0 ? (
              <p class="muted">Balances appear after the first sync.</p>
            ) : (
              <ul class="plain" id="net-worth">
                {[...p.netWorth.entries()].map(([cur, v]) => (
                  <li class="money">{formatMoney(v, cur)}</li>
                ))}
              </ul>
            )}
          </section>
          {p.kinds.map((kind) => (
            <AccountsOfKind kind={kind} {...p} />
          ))}
        </>
      )}
    </>
  );
}

function AttentionBanner({ conn, csrf }: { conn: DashboardData['attention'][number]; csrf: string }) {
  return (
    <div class="banner attention" role="alert" id={`attention-${conn.id}`}>
      <p>
        <strong>{conn.institution_name}</strong>{' '}
        {conn.accountNames.length > 0 ? `(the login of ${conn.accountNames.join(', ')}) ` : ''}
        {conn.status === 'failed' ? 'failed' : 'needs your attention'}:{' '}
        {conn.status_reason ?? 'no reason given'}
      </p>
      <div class="actions">
        <a href={`/connect/reconnect/${conn.id}`} class="button">
          {conn.status === 'failed' ? 'Try again' : 'Fix the connection'}
        </a>
        <form
          method="post"
          action={`/connections/${conn.id}/remove`}
          class="inline"
          data-confirm={`Remove the ${conn.institution_name} login? Its accounts keep their history.`}
        >
          <CsrfField token={csrf} />
          <button type="submit" class="secondary">
            Remove this login
          </button>
        </form>
      </div>
    </div>
  );
}

function AccountsOfKind({ kind, accounts, timeZone }: Props & { kind: AccountKind }) {
  return (
    <section aria-labelledby={`k-${kind}`}>
      <h2 id={`k-${kind}`}>{KIND_LABELS[kind]}</h2>
      <table class="accounts">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" class="num">
              Balance
            </th>
            <th scope="col">Last sync</th>
          </tr>
        </thead>
        <tbody>
          {accounts
            .filter((a) => a.kind === kind)
            .map((a) => (
              <tr>
                <td>
                  <a href={`/accounts/${a.id}`}>{a.name}</a>
                  <div class="muted">
                    {a.institution_name ?? 'not linked'}
                    {a.number_mask ? ` · ${a.number_mask}` : ''}
                  </div>
                </td>
                <td class="num money">{formatMoney(a.balance?.current_minor, a.currency)}</td>
                <td>
                  {formatTimestamp(a.last_sync_at, timeZone)}
                  {a.last_sync_outcome && (
                    <span class={`pill ${a.last_sync_outcome}`}>
                      {OUTCOME_LABELS[a.last_sync_outcome] ?? a.last_sync_outcome}
                    </span>
                  )}
                  {a.last_sync_error && <div class="muted">{a.last_sync_error}</div>}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}

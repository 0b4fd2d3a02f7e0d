/** The dashboard: accounts by kind with balances, net worth per currency, connections needing attention. */
import type { AccountKind } from '../../store/schema.js';
import type { WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { CsrfField } from '../layout.js';
import { flashFrom, page } from '../render.js';
import { formatMoney } from '../../money.js';
import { formatTimestamp } from '../time.js';
import { familyTimeZone } from '../users.js';

export const KIND_LABELS: Record<AccountKind, string> = {
  depository: 'Cash (checking and savings)',
  credit_card: 'Credit cards',
  investment: 'Investments',
  loan: 'Loans',
};

const OUTCOME_LABELS: Record<string, string> = {
  succeeded: 'synced',
  failed: 'failed',
  needs_attention: 'needs attention',
  skipped: 'skipped',
  partial: 'partly synced',
};

export function registerDashboard(app: WebApp): void {
  app.get('/', async (c) => {
    const user = currentUser(c);
    const tz = await familyTimeZone(c.var.deps.store, user.familyId);
    const accounts = await c.var.deps.store.listAccountsWithBalance(user.familyId);
    const attention = await c.var.deps.store.connectionsNeedingAttention(user.familyId);
    const netWorth = new Map<string, number>();
    for (const a of accounts) {
      const v = a.balance?.current_minor;
      if (v === null || v === undefined) continue;
      // Cards and loans owe money: whatever sign the balance rule shows, they lower net worth.
      const signed = a.kind === 'credit_card' || a.kind === 'loan' ? -Math.abs(v) : v;
      netWorth.set(a.currency, (netWorth.get(a.currency) ?? 0) + signed);
    }
    const kinds = (Object.keys(KIND_LABELS) as AccountKind[]).filter((k) =>
      accounts.some((a) => a.kind === k),
    );
    return page(
      c,
      'Dashboard',
      <>
        {attention.map((conn) => (
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
                <CsrfField token={c.var.csrf} />
                <button type="submit" class="secondary">
                  Remove this login
                </button>
              </form>
            </div>
          </div>
        ))}
        <div class="actions">
          <form method="post" action="/sync" class="inline">
            <CsrfField token={c.var.csrf} />
            <button type="submit" disabled={accounts.length === 0}>
              Sync now
            </button>
          </form>
          <a href="/connect" class="button secondary">
            Connect a bank
          </a>
        </div>
        {accounts.length === 0 ? (
          <p>
            No accounts yet. <a href="/connect">Connect a bank</a> to start.
          </p>
        ) : (
          <>
            <section class="card" aria-labelledby="nw-h">
              <h2 id="nw-h">Net worth</h2>
              {netWorth.size === 0 ? (
                <p class="muted">Balances appear after the first sync.</p>
              ) : (
                <ul class="plain" id="net-worth">
                  {[...netWorth.entries()].map(([cur, v]) => (
                    <li class="money">{formatMoney(v, cur)}</li>
                  ))}
                </ul>
              )}
            </section>
            {kinds.map((kind) => (
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
                            {formatTimestamp(a.last_sync_at, tz)}
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
            ))}
          </>
        )}
      </>,
      { flash: flashFrom(c) },
    );
  });
}

/** The SimpleFIN page's view: a just-created setup token, the apps with access, and a new token's form. */
import {
  CLAIM_WINDOW_HOURS,
  misreadByCentsClients,
  SIMPLEFIN_PAGE,
  tokenState,
} from '../../../simplefin/index.js';
import { HeadWithActions } from '../../components/table.js';
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import type { SimplefinData } from './loaders.js';

const STATE_TEXT = {
  unclaimed: 'waiting to be claimed',
  'claim expired': 'never claimed (expired)',
  active: 'in use',
  expired: 'expired',
  revoked: 'revoked',
} as const;

export interface Created {
  name: string;
  setupToken: string;
}

type Token = SimplefinData['tokens'][number];

export interface SimplefinPageProps extends SimplefinData {
  /** A token just created: its setup token is shown this once. */
  created: Created | undefined;
  /** Where apps reach this server. */
  baseUrl: string;
  csrf: string;
  now: Date;
}

export function SimplefinPage(p: SimplefinPageProps) {
  return (
    <>
      <p>
        Apps that speak SimpleFIN — Actual Budget, Sure, the Firefly III data importer and others — can read
        the accounts you choose from this ledger, read-only. Create a setup token here and paste it into the
        app; the app claims it once and keeps its own access, which you can revoke here at any time. Apps get
        what the last sync brought in; they never make Sophtron calls of their own.
      </p>
      {p.created && <CreatedToken created={p.created} />}
      {!p.baseUrl.startsWith('https://') && (
        <p class="hint">
          Apps will reach this server at <code>{p.baseUrl}/simplefin</code>. Actual Budget accepts that on
          your own network; the Firefly III data importer and Sure's hosted service need an https address they
          can reach: set <code>PUBLIC_URL</code> to it.
        </p>
      )}
      {p.tokens.some((t) => t.refused_claims > 0 && !t.revoked_at) && (
        <p class="flash error" role="alert">
          A setup token that was already claimed has been presented again. Someone else may have a copy of it:
          if that was not you, revoke that access and create a new token.
        </p>
      )}
      <TokenTable {...p} />
      {p.accounts.length === 0 ? (
        <p>
          Link an account first (<a href="/connect">Connect a bank</a>): only linked accounts can be shared.
        </p>
      ) : (
        <NewTokenForm accounts={p.accounts} csrf={p.csrf} />
      )}
    </>
  );
}

function CreatedToken({ created }: { created: Created }) {
  return (
    <div class="card" role="status">
      <p>
        Setup token for <strong>{created.name}</strong>. Copy it now; it is not shown again. Paste it into the
        app within {CLAIM_WINDOW_HOURS} hours; it works once.
      </p>
      <p>
        <code class="secret" id="new-setup-token">
          {created.setupToken}
        </code>
      </p>
      <p>
        <button type="button" class="secondary" data-copy="#new-setup-token">
          Copy the setup token
        </button>
      </p>
    </div>
  );
}

function TokenTable({ tokens, timeZone, csrf, now }: SimplefinPageProps) {
  return (
    <table>
      <caption>Apps with access</caption>
      <HeadWithActions>
        <th scope="col">Name</th>
        <th scope="col">Accounts</th>
        <th scope="col">State</th>
        <th scope="col">Last used</th>
        <th scope="col">Created</th>
      </HeadWithActions>
      <tbody>
        {tokens.length === 0 && (
          <tr>
            <td colspan={6} class="muted">
              None yet.
            </td>
          </tr>
        )}
        {tokens.map((t) => (
          <TokenRow t={t} timeZone={timeZone} csrf={csrf} now={now} />
        ))}
      </tbody>
    </table>
  );
}

function TokenRow({ t, timeZone: tz, csrf, now }: { t: Token; timeZone: string; csrf: string; now: Date }) {
  const state = tokenState(t, now);
  return (
    <tr>
      <td data-label="Name">{t.name}</td>
      <td data-label="Accounts">{t.accounts.map((a) => a.name).join(', ') || '—'}</td>
      <td data-label="State">
        {STATE_TEXT[state]}
        {t.expires_at && state !== 'revoked' && state !== 'expired'
          ? ` · until ${formatTimestamp(t.expires_at, tz)}`
          : ''}
        {t.refresh_hours ? ` · refreshes data older than ${t.refresh_hours} h` : ''}
        {t.refused_claims > 0 && (
          <strong>
            {' '}
            · possible leak: claimed again {t.refused_claims} time
            {t.refused_claims === 1 ? '' : 's'}, last {formatTimestamp(t.last_refused_claim_at, tz)}
          </strong>
        )}
      </td>
      <td data-label="Last used">
        {t.last_used_at ? `${formatTimestamp(t.last_used_at, tz)} (${t.use_count} requests)` : 'never'}
      </td>
      <td data-label="Created">{formatTimestamp(t.created_at, tz)}</td>
      <td>
        {state !== 'revoked' && (
          <form
            method="post"
            action={`${SIMPLEFIN_PAGE}/${t.id}/revoke`}
            class="inline"
            data-confirm={`Revoke the access of “${t.name}”? The app stops receiving data.`}
          >
            <CsrfField token={csrf} />
            <button type="submit" class="danger" aria-label={`Revoke the access of ${t.name}`}>
              Revoke
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

function NewTokenForm({ accounts, csrf }: { accounts: SimplefinData['accounts']; csrf: string }) {
  const oddCurrencies = [...new Set(accounts.map((a) => a.currency).filter(misreadByCentsClients))];
  return (
    <form method="post" action={SIMPLEFIN_PAGE} class="card narrow">
      <h2>New setup token</h2>
      <CsrfField token={csrf} />
      <label>
        Name (the app it is for) <input name="name" required maxlength={100} placeholder="Actual Budget" />
      </label>
      <fieldset>
        <legend>Accounts it may read</legend>
        {accounts.map((a) => (
          <label>
            <input type="checkbox" name="account" value={a.id} checked /> {a.name} ({a.currency})
          </label>
        ))}
      </fieldset>
      {oddCurrencies.length > 0 && (
        <p class="hint">
          {oddCurrencies.join(', ')} amounts are sent with their own number of decimals; Actual Budget reads
          every amount as cents and would show them wrong.
        </p>
      )}
      <label>
        Expires (optional) <input name="expires" type="date" />
      </label>
      <label>
        Refresh when the data is older than (hours, optional){' '}
        <input name="refresh_hours" type="number" min={1} max={744} inputmode="numeric" />
        <span class="hint">
          A request then starts a sync of these accounts, within the family's monthly Sophtron budget.
        </span>
      </label>
      <button type="submit">Create a setup token</button>
    </form>
  );
}

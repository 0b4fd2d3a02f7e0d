/** The connect pages' views: searching a bank, its login form, fixing a bank login. */
import type { Institution } from '../../../domain/types.js';
import { loginHint } from '../../../sandbox/guide.js';
import type { Connection } from '../../../store/index.js';
import { CsrfField } from '../../layout.js';

export function InstitutionResults({ items, query }: { items: Institution[]; query: string }) {
  if (query.length < 2) return <p class="muted">Type at least two letters of your bank's name.</p>;
  if (items.length === 0) return <p>No bank matches “{query}”.</p>;
  return (
    <ul class="plain" id="institutions">
      {items.slice(0, 25).map((i) => (
        <li>
          <a href={`/connect/bank/${encodeURIComponent(i.id)}`} class="button secondary">
            {i.name}
          </a>
          {i.url && <span class="muted"> {i.url}</span>}
        </li>
      ))}
    </ul>
  );
}

function SearchForm({ q }: { q: string }) {
  return (
    <form method="get" action="/connect" role="search" class="card">
      <label>
        Your bank's name
        <input
          type="search"
          name="q"
          value={q}
          autocomplete="off"
          autofocus
          hx-get="/connect/institutions"
          hx-trigger="input changed delay:300ms, search"
          hx-target="#results"
          hx-indicator="#searching"
        />
      </label>
      <span id="searching" class="htmx-indicator muted">
        Searching…
      </span>
      <noscript>
        <button type="submit">Search</button>
      </noscript>
    </form>
  );
}

function BankLogins({ connections }: { connections: Connection[] }) {
  return (
    <section>
      <h2>Your bank logins</h2>
      <ul>
        {connections.map((conn) => (
          <li>
            {conn.institution_name} <span class={`pill ${conn.status}`}>{conn.status.replace('_', ' ')}</span>
            {conn.status_reason && <span class="muted"> {conn.status_reason}</span>}{' '}
            <a href={`/connections/${conn.id}/link`}>Link accounts</a>
            {conn.status !== 'connected' && (
              <>
                {' · '}
                <a href={`/connect/reconnect/${conn.id}`}>Fix the connection</a>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ConnectSearch(props: {
  q: string;
  items: Institution[];
  error: string | null;
  connections: Connection[];
}) {
  const { q, items, error, connections } = props;
  return (
    <>
      <SearchForm q={q} />
      <div id="results" aria-live="polite">
        {error ? (
          <p class="flash error">{error}</p>
        ) : q ? (
          <InstitutionResults items={items} query={q} />
        ) : null}
      </div>
      {connections.length > 0 && <BankLogins connections={connections} />}
    </>
  );
}

export function BankLoginForm({
  inst,
  csrf,
  sandboxMode,
}: {
  inst: Institution;
  csrf: string;
  sandboxMode: boolean;
}) {
  return (
    <form method="post" action={`/connect/bank/${encodeURIComponent(inst.id)}`} class="card narrow">
      <CsrfField token={csrf} />
      <p>
        This is {inst.name}'s own login. What you type goes to the bank through Sophtron; Sophtron Sync never
        stores your bank password.
      </p>
      {sandboxMode && (
        <p class="hint sandbox-hint" id="sandbox-login-hint">
          {loginHint()}
        </p>
      )}
      <label>
        {inst.name} {inst.loginForm.usernameLabel}
        <input name="username" required autocomplete="off" autofocus />
      </label>
      {inst.loginForm.passwordLabel !== null && (
        <label>
          {inst.name} {inst.loginForm.passwordLabel}
          <input name="password" type="password" required autocomplete="off" />
        </label>
      )}
      <label class="check">
        <input type="checkbox" name="verification" value="yes" /> Verify account numbers (the bank then asks
        you to choose one account)
      </label>
      <button type="submit">Connect</button>
    </form>
  );
}

export function ReconnectForms({ conn, csrf }: { conn: Connection; csrf: string }) {
  return (
    <>
      <form method="post" action={`/connect/reconnect/${conn.id}`} class="card narrow">
        <CsrfField token={csrf} />
        <p>
          Status: {conn.status.replace('_', ' ')}. {conn.status_reason ?? ''}
        </p>
        <p>Sophtron will ask the bank again; answer its questions here when they appear.</p>
        <button type="submit">Reconnect now</button>
      </form>
      <form method="post" action={`/connect/reconnect/${conn.id}/login`} class="card narrow">
        <CsrfField token={csrf} />
        <h2>Did the bank refuse the login?</h2>
        <p>
          Enter {conn.institution_name}'s login again. It goes to the bank through Sophtron; Sophtron Sync
          never stores your bank password.
        </p>
        <label>
          {conn.institution_name} User ID <input name="username" required autocomplete="off" />
        </label>
        <label>
          {conn.institution_name} Password{' '}
          <input name="password" type="password" required autocomplete="off" />
        </label>
        <button type="submit">Send the new login</button>
      </form>
    </>
  );
}

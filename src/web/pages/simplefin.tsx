/**
 * SimpleFIN access: a family administrator makes a setup token for an app (Actual Budget, Sure,
 * the Firefly III data importer…), chooses which linked accounts it may read, sees each token's
 * state and last use, is warned when a claimed token is presented again, and revokes access.
 */
import { z } from 'zod';
import { expectedOrigin } from '../auth/csrf.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { formData, parseForm, text } from '../forms.js';
import { CsrfField } from '../layout.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';
import { formatTimestamp } from '../time.js';
import { familyTimeZone } from '../users.js';
import {
  CLAIM_WINDOW_HOURS,
  createSetupToken,
  misreadByCentsClients,
  SetupTokenError,
  SIMPLEFIN_PAGE,
  tokenState,
} from '../../simplefin/index.js';
import { StoreError } from '../../store/index.js';

const STATE_TEXT = {
  unclaimed: 'waiting to be claimed',
  'claim expired': 'never claimed (expired)',
  active: 'in use',
  expired: 'expired',
  revoked: 'revoked',
} as const;

const createForm = z.object({
  name: text(100),
  account: z.union([z.string(), z.array(z.string())]).optional(),
  expires: z.string().trim().optional(),
  refresh_hours: z.string().trim().optional(),
});

export function registerSimplefinPages(app: WebApp): void {
  const baseUrl = (c: Ctx) => c.var.deps.config.publicUrl ?? expectedOrigin(c, undefined, c.var.secure);

  const list = async (c: Ctx, created?: { name: string; setupToken: string }, status: 200 | 400 = 200) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const [tokens, accounts, tz] = await Promise.all([
      store.listSimplefinTokens(user.familyId),
      store.listAccounts(user.familyId, { linkedOnly: true }),
      familyTimeZone(c.var.deps.store, user.familyId),
    ]);
    const now = new Date();
    const base = baseUrl(c);
    const oddCurrencies = [...new Set(accounts.map((a) => a.currency).filter(misreadByCentsClients))];
    return page(
      c,
      'SimpleFIN',
      <>
        <p>
          Apps that speak SimpleFIN — Actual Budget, Sure, the Firefly III data importer and others — can read
          the accounts you choose from this ledger, read-only. Create a setup token here and paste it into the
          app; the app claims it once and keeps its own access, which you can revoke here at any time. Apps
          get what the last sync brought in; they never make Sophtron calls of their own.
        </p>
        {created && (
          <div class="card" role="status">
            <p>
              Setup token for <strong>{created.name}</strong>. Copy it now; it is not shown again. Paste it
              into the app within {CLAIM_WINDOW_HOURS} hours; it works once.
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
        )}
        {!base.startsWith('https://') && (
          <p class="hint">
            Apps will reach this server at <code>{base}/simplefin</code>. Actual Budget accepts that on your
            own network; the Firefly III data importer and Sure's hosted service need an https address they
            can reach: set <code>PUBLIC_URL</code> to it.
          </p>
        )}
        {tokens.some((t) => t.refused_claims > 0 && !t.revoked_at) && (
          <p class="flash error" role="alert">
            A setup token that was already claimed has been presented again. Someone else may have a copy of
            it: if that was not you, revoke that access and create a new token.
          </p>
        )}
        <table>
          <caption>Apps with access</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Accounts</th>
              <th scope="col">State</th>
              <th scope="col">Last used</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 && (
              <tr>
                <td colspan={6} class="muted">
                  None yet.
                </td>
              </tr>
            )}
            {tokens.map((t) => {
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
                        {t.refused_claims === 1 ? '' : 's'}, last{' '}
                        {formatTimestamp(t.last_refused_claim_at, tz)}
                      </strong>
                    )}
                  </td>
                  <td data-label="Last used">
                    {t.last_used_at
                      ? `${formatTimestamp(t.last_used_at, tz)} (${t.use_count} requests)`
                      : 'never'}
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
                        <CsrfField token={c.var.csrf} />
                        <button type="submit" class="danger" aria-label={`Revoke the access of ${t.name}`}>
                          Revoke
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {accounts.length === 0 ? (
          <p>
            Link an account first (<a href="/connect">Connect a bank</a>): only linked accounts can be shared.
          </p>
        ) : (
          <form method="post" action={SIMPLEFIN_PAGE} class="card narrow">
            <h2>New setup token</h2>
            <CsrfField token={c.var.csrf} />
            <label>
              Name (the app it is for){' '}
              <input name="name" required maxlength={100} placeholder="Actual Budget" />
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
                {oddCurrencies.join(', ')} amounts are sent with their own number of decimals; Actual Budget
                reads every amount as cents and would show them wrong.
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
        )}
      </>,
      { flash: flashFrom(c), status },
    );
  };

  // Administrators only: declared in src/web/auth/access.ts.
  app.get(SIMPLEFIN_PAGE, (c) => list(c));

  app.post(SIMPLEFIN_PAGE, async (c) => {
    const parsed = parseForm(createForm, await formData(c), { name: 'Name' });
    if (!parsed.ok) return c.redirect(withFlash(SIMPLEFIN_PAGE, 'error', parsed.error));
    const user = currentUser(c);
    const f = parsed.data;
    try {
      const created = await createSetupToken(c.var.deps.store, user.familyId, {
        name: f.name,
        accountIds: f.account === undefined ? [] : [f.account].flat(),
        baseUrl: baseUrl(c),
        expires: f.expires || null,
        refreshHours: f.refresh_hours || null,
        createdBy: user.id,
      });
      return list(c, { name: created.token.name, setupToken: created.setupToken });
    } catch (err) {
      if (err instanceof SetupTokenError || err instanceof StoreError)
        return c.redirect(withFlash(SIMPLEFIN_PAGE, 'error', err.message));
      throw err;
    }
  });

  app.post(`${SIMPLEFIN_PAGE}/:id/revoke`, async (c) => {
    const revoked = await c.var.deps.store.revokeSimplefinToken(
      currentUser(c).familyId,
      c.req.param('id'),
      new Date().toISOString(),
    );
    if (!revoked) return messagePage(c, 'Not found', 'There is no such SimpleFIN access to revoke.', 404);
    return c.redirect(withFlash(SIMPLEFIN_PAGE, 'ok', 'Access revoked: the app no longer receives data.'));
  });
}

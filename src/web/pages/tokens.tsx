/** API tokens for scripts: created here, shown once, stored hashed. */
import { z } from 'zod';
import { createApiToken } from '../auth/api-tokens.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { formData, parseForm, text } from '../forms.js';
import { CsrfField } from '../layout.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';
import { formatTimestamp } from '../time.js';
import { familyTimeZone } from '../users.js';

export function registerTokenPages(app: WebApp): void {
  const list = async (c: Ctx, created?: string) => {
    const user = currentUser(c);
    const tokens = await c.var.deps.store.listApiTokens(user.id);
    const tz = await familyTimeZone(c.var.deps.store, user.familyId);
    return page(
      c,
      'API tokens',
      <>
        <p>
          Scripts use the JSON API with <code>Authorization: Bearer &lt;token&gt;</code>; see{' '}
          <a href="/api/docs">the API documentation</a>. A token acts as you, in your family. Changing your
          password revokes all your tokens.
        </p>
        {created && (
          <div class="card" role="status">
            <p>Copy the new token now; it is not shown again:</p>
            <p>
              <code class="secret" id="new-token">
                {created}
              </code>
            </p>
          </div>
        )}
        <table>
          <caption>Your tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>{formatTimestamp(t.created_at, tz)}</td>
                <td>{formatTimestamp(t.last_used_at, tz)}</td>
                <td>
                  <form
                    method="post"
                    action={`/tokens/${t.id}/delete`}
                    class="inline"
                    data-confirm={`Delete the token “${t.name}”? Scripts using it stop working.`}
                  >
                    <CsrfField token={c.var.csrf} />
                    <button type="submit" class="danger" aria-label={`Delete the token ${t.name}`}>
                      Delete
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/tokens" class="card narrow">
          <CsrfField token={c.var.csrf} />
          <label>
            Name of the new token <input name="name" required placeholder="nightly cron" />
          </label>
          <button type="submit">Create a token</button>
        </form>
      </>,
      { flash: flashFrom(c) },
    );
  };

  app.get('/tokens', (c) => list(c));

  app.post('/tokens', async (c) => {
    const parsed = parseForm(z.object({ name: text(100) }), await formData(c), { name: 'Name' });
    if (!parsed.ok) return c.redirect(withFlash('/tokens', 'error', parsed.error));
    const token = await createApiToken(c.var.deps.store, currentUser(c).id, parsed.data.name);
    return list(c, token);
  });

  app.post('/tokens/:id/delete', async (c) => {
    if (!(await c.var.deps.store.deleteApiToken(currentUser(c).id, c.req.param('id'))))
      return messagePage(c, 'Not found', 'There is no such token.', 404);
    return c.redirect(withFlash('/tokens', 'ok', 'Token deleted.'));
  });
}

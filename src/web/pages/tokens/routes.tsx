/** API tokens for scripts: created here, shown once, stored hashed. The page is tokens/views.tsx. */
import { z } from 'zod';
import { createApiToken } from '../../auth/api-tokens.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData, parseForm, text } from '../../forms.js';
import { flashFrom, messagePage, page, withFlash } from '../../render.js';
import { loadTokens } from './loaders.js';
import { TokensPage } from './views.js';

export function registerTokenPages(app: WebApp): void {
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

/** The page; a token just created is shown on it this once (a page, not a redirect). */
async function list(c: Ctx, created?: string) {
  const data = await loadTokens(c.var.deps, currentUser(c));
  const view = <TokensPage {...data} {...(created ? { created } : {})} csrf={c.var.csrf} />;
  return page(c, 'API tokens', view, { flash: flashFrom(c) });
}

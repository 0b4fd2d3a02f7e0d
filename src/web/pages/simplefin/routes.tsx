/**
 * SimpleFIN access: a family administrator makes a setup token for an app (Actual Budget, Sure,
 * the Firefly III data importer…), chooses which linked accounts it may read, sees each token's
 * state and last use, is warned when a claimed token is presented again, and revokes access.
 * Its data is read by simplefin/loaders.ts and shown by simplefin/views.tsx; the routes here parse,
 * call, and redirect.
 */
import { z } from 'zod';
import { expectedOrigin } from '../../auth/csrf.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData, parseForm, text } from '../../forms.js';
import { flashFrom, messagePage, page, withFlash } from '../../render.js';
import { createSetupToken, SetupTokenError, SIMPLEFIN_PAGE } from '../../../simplefin/index.js';
import { StoreError } from '../../../store/index.js';
import { loadSimplefin } from './loaders.js';
import { SimplefinPage, type Created } from './views.js';

const createForm = z.object({
  name: text(100),
  account: z.union([z.string(), z.array(z.string())]).optional(),
  expires: z.string().trim().optional(),
  refresh_hours: z.string().trim().optional(),
});

const baseUrl = (c: Ctx) => c.var.deps.config.publicUrl ?? expectedOrigin(c, undefined, c.var.secure);

export function registerSimplefinPages(app: WebApp): void {
  // Administrators only: declared in src/web/auth/access.ts.
  app.get(SIMPLEFIN_PAGE, (c) => showTokens(c));
  app.post(SIMPLEFIN_PAGE, createToken);
  app.post(`${SIMPLEFIN_PAGE}/:id/revoke`, revokeToken);
}

/** The page; a token just created is shown on it this once (a page, not a redirect). */
async function showTokens(c: Ctx, created?: Created) {
  const data = await loadSimplefin(c.var.deps, currentUser(c).familyId);
  const view = (
    <SimplefinPage {...data} created={created} baseUrl={baseUrl(c)} csrf={c.var.csrf} now={new Date()} />
  );
  return page(c, 'SimpleFIN', view, { flash: flashFrom(c) });
}

async function createToken(c: Ctx) {
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
    return showTokens(c, { name: created.token.name, setupToken: created.setupToken });
  } catch (err) {
    if (err instanceof SetupTokenError || err instanceof StoreError)
      return c.redirect(withFlash(SIMPLEFIN_PAGE, 'error', err.message));
    throw err;
  }
}

async function revokeToken(c: Ctx) {
  const revoked = await c.var.deps.store.revokeSimplefinToken(
    currentUser(c).familyId,
    c.req.param('id')!,
    new Date().toISOString(),
  );
  if (!revoked) return messagePage(c, 'Not found', 'There is no such SimpleFIN access to revoke.', 404);
  return c.redirect(withFlash(SIMPLEFIN_PAGE, 'ok', 'Access revoked: the app no longer receives data.'));
}

/**
 * One account: transactions with search, filters and pagination; the balance history chart;
 * the link settings; deleting a transaction (tombstoned, so a sync does not bring it back).
 * Handlers read through loaders.ts, change through settings.ts and the store, render views.tsx.
 */
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData } from '../../forms.js';
import { flashFrom, messagePage, page, withFlash } from '../../render.js';
import { loadAccountView } from './loaders.js';
import { saveAccountSettings } from './settings.js';
import { AccountPage, DeletedRow } from './views.js';

const notFound = (c: Ctx) => messagePage(c, 'Not found', 'There is no such account.', 404);

/** The account the URL names, if it is the family's. */
const loadAccount = (c: Ctx) => c.var.deps.store.getAccount(currentUser(c).familyId, c.req.param('id') ?? '');

function registerAccountPage(app: WebApp): void {
  app.get('/accounts/:id', async (c) => {
    const account = await loadAccount(c);
    if (!account) return notFound(c);
    const view = await loadAccountView(c.var.deps.store, currentUser(c).familyId, account, c.req.query());
    return page(c, account.name, <AccountPage v={view} csrf={c.var.csrf} />, { flash: flashFrom(c) });
  });

  app.post('/accounts/:id/settings', async (c) => {
    const account = await loadAccount(c);
    if (!account) return notFound(c);
    const saved = await saveAccountSettings(c.var.deps, currentUser(c).familyId, account, await formData(c));
    const back = `/accounts/${account.id}`;
    return c.redirect(
      'error' in saved ? withFlash(back, 'error', saved.error) : withFlash(back, 'ok', saved.ok),
    );
  });
}

function registerAccountChanges(app: WebApp): void {
  app.post('/accounts/:id/unlink', async (c) => {
    const account = await loadAccount(c);
    if (!account) return notFound(c);
    await c.var.deps.store.unlinkAccount(currentUser(c).familyId, account.id);
    return c.redirect(
      withFlash(
        `/accounts/${account.id}`,
        'ok',
        'Unlinked: the history stays; linking the bank account again reuses it.',
      ),
    );
  });

  app.post('/accounts/:id/transactions/:tid/delete', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const account = await loadAccount(c);
    const tid = Number(c.req.param('tid'));
    if (!account || !Number.isSafeInteger(tid)) return notFound(c);
    const tx = await store.getTransaction(user.familyId, tid);
    if (!tx || tx.account_id !== account.id) return notFound(c);
    await store.deleteTransaction(user.familyId, tid, user.username);
    if (c.req.header('hx-request')) return c.html(<DeletedRow t={tx} />);
    return c.redirect(
      withFlash(`/accounts/${account.id}`, 'ok', 'Transaction deleted; syncs will not bring it back.'),
    );
  });
}

export function registerAccountPages(app: WebApp): void {
  registerAccountPage(app);
  registerAccountChanges(app);
}

/**
 * Connect a bank: search institutions as you type, log in with the bank's own form, answer each
 * MFA challenge live in the page while Sophtron works, then link the accounts. Each handler reads
 * its data through loaders.ts and renders views.tsx / live.tsx.
 */
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { LinkForm } from '../../components/link-form.js';
import type { ConnectSession, ConnectSessions } from '../../connect/sessions.js';
import { formData } from '../../forms.js';
import { flashFrom, messagePage, page, withFlash } from '../../render.js';
import { chosenProviderAccounts, linkChosen, parseAnswer } from './forms.js';
import { Live, sessionHeading } from './live.js';
import {
  errorText,
  familySophtron,
  institutionOf,
  loadConnection,
  loadInstitution,
  loadLive,
  loadMySession,
  searchInstitutions,
  unlinkedAccounts,
} from './loaders.js';
import { BankLoginForm, ConnectSearch, InstitutionResults, ReconnectForms } from './views.js';

const notFound = (c: Ctx) => messagePage(c, 'Not found', 'There is nothing here.', 404);

/** Who a new connect session belongs to: this login session, in the user's family. */
const owner = (c: Ctx) => ({ session: c.var.session!.idHash, familyId: currentUser(c).familyId });

const formText = (v: string | string[] | undefined) => (typeof v === 'string' ? v : '');

async function renderLive(c: Ctx, s: ConnectSession) {
  const data = await loadLive(c.var.deps.store, s);
  return <Live s={s} csrf={c.var.csrf} sandboxMode={c.var.sandboxMode} {...data} />;
}

function registerSearch(app: WebApp): void {
  app.get('/connect', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    const { items, error } = await searchInstitutions(c, q);
    const connections = await c.var.deps.store.listConnections(currentUser(c).familyId);
    return page(
      c,
      'Connect a bank',
      <ConnectSearch q={q} items={items} error={error} connections={connections} />,
      {
        flash: flashFrom(c),
      },
    );
  });

  app.get('/connect/institutions', async (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 100);
    const { items, error } = await searchInstitutions(c, q);
    return c.html(
      error ? <p class="flash error">{error}</p> : <InstitutionResults items={items} query={q} />,
    );
  });
}

function registerBankLogin(app: WebApp, connects: ConnectSessions): void {
  app.get('/connect/bank/:institutionId', async (c) => {
    const inst = await loadInstitution(c);
    if (typeof inst === 'string') return c.redirect(withFlash('/connect', 'error', inst));
    return page(
      c,
      `Log in to ${inst.name}`,
      <BankLoginForm inst={inst} csrf={c.var.csrf} sandboxMode={c.var.sandboxMode} />,
      {
        flash: flashFrom(c),
      },
    );
  });

  app.post('/connect/bank/:institutionId', async (c) => {
    const form = await formData(c);
    const username = formText(form.username).trim();
    const password = formText(form.password);
    const back = `/connect/bank/${encodeURIComponent(c.req.param('institutionId'))}`;
    if (!username) return c.redirect(withFlash(back, 'error', 'User ID: is required'));
    const inst = await loadInstitution(c);
    if (typeof inst === 'string') return c.redirect(withFlash('/connect', 'error', inst));
    const api = await familySophtron(c);
    const s = await connects.startConnect(
      api,
      owner(c),
      { id: inst.id, name: inst.name, countryCode: inst.countryCode },
      { institutionId: inst.id, username, password, verification: form.verification === 'yes' },
    );
    return c.redirect(`/connect/session/${s.id}`);
  });
}

function registerReconnect(app: WebApp, connects: ConnectSessions): void {
  app.get('/connect/reconnect/:connectionId', async (c) => {
    const conn = await loadConnection(c, 'connectionId');
    if (!conn) return notFound(c);
    return page(c, `Fix ${conn.institution_name}`, <ReconnectForms conn={conn} csrf={c.var.csrf} />, {
      flash: flashFrom(c),
    });
  });

  app.post('/connect/reconnect/:connectionId', async (c) => {
    const conn = await loadConnection(c, 'connectionId');
    if (!conn) return notFound(c);
    const api = await familySophtron(c);
    const s = await connects.startReconnect(api, owner(c), institutionOf(conn), conn.user_institution_id);
    return c.redirect(`/connect/session/${s.id}`);
  });

  app.post('/connect/reconnect/:connectionId/login', async (c) => {
    const conn = await loadConnection(c, 'connectionId');
    if (!conn) return notFound(c);
    const form = await formData(c);
    const username = formText(form.username).trim();
    const password = formText(form.password);
    if (!username || !password)
      return c.redirect(
        withFlash(`/connect/reconnect/${conn.id}`, 'error', 'User ID and Password: both are required'),
      );
    const api = await familySophtron(c);
    const s = await connects.startUpdate(api, owner(c), institutionOf(conn), conn.user_institution_id, {
      username,
      password,
    });
    return c.redirect(`/connect/session/${s.id}`);
  });
}

function registerSession(app: WebApp, connects: ConnectSessions): void {
  app.get('/connect/session/:id', async (c) => {
    const s = await loadMySession(c, connects);
    if (!s) return notFound(c);
    return page(c, sessionHeading(s) ?? `Connecting ${s.institution.name}`, await renderLive(c, s));
  });

  app.get('/connect/session/:id/state', async (c) => {
    const s = await loadMySession(c, connects);
    if (!s) return notFound(c);
    // The page's heading follows the state it swaps in: no "Connecting …" above a failure.
    const heading = sessionHeading(s);
    return c.html(
      <>
        {heading && (
          <h1 id="page-title" hx-swap-oob="true">
            {heading}
          </h1>
        )}
        {await renderLive(c, s)}
      </>,
    );
  });

  app.get('/connect/session/:id/captcha.png', async (c) => {
    const s = await loadMySession(c, connects);
    if (!s || s.challenge?.kind !== 'captcha') return notFound(c);
    c.header('Content-Type', 'image/png');
    c.header('Cache-Control', 'no-store');
    return c.body(new Uint8Array(s.challenge.image));
  });

  app.post('/connect/session/:id/answer', async (c) => {
    const s = await loadMySession(c, connects);
    if (!s) return notFound(c);
    const form = await formData(c);
    const kind = formText(form.kind);
    const answer = parseAnswer(kind, form);
    // A stale or bad answer changes nothing: the page shows the current state (its own challenge form).
    if (typeof answer !== 'string' && s.challenge?.kind === kind)
      await connects.answer(s, Number(form.seq), answer);
    if (!c.req.header('hx-request')) return c.redirect(`/connect/session/${s.id}`);
    const now = await loadMySession(c, connects);
    return now ? c.html(await renderLive(c, now)) : notFound(c);
  });

  app.post('/connect/session/:id/cancel', async (c) => {
    const s = await loadMySession(c, connects);
    if (!s) return notFound(c);
    await connects.cancel(s);
    return c.redirect(withFlash('/connect', 'ok', 'Connecting was cancelled.'));
  });
}

function registerConnections(app: WebApp): void {
  app.post('/connections/:id/remove', async (c) => {
    const familyId = currentUser(c).familyId;
    const conn = await loadConnection(c, 'id');
    if (!conn) return notFound(c);
    // Sophtron forgets it too when it can; the ledger's copy goes either way (accounts keep history).
    let atSophtron = '';
    try {
      await (await familySophtron(c)).deleteConnection(conn.user_institution_id);
    } catch (err) {
      atSophtron = ` (Sophtron could not be told: ${errorText(err)})`;
    }
    await c.var.deps.store.deleteConnection(familyId, conn.id);
    return c.redirect(
      withFlash(
        '/',
        'ok',
        `The ${conn.institution_name} login was removed${atSophtron}. Its accounts keep their history; connecting the bank again continues them.`,
      ),
    );
  });

  app.get('/connections/:id/link', async (c) => {
    const { store } = c.var.deps;
    const familyId = currentUser(c).familyId;
    const conn = await loadConnection(c, 'id');
    if (!conn) return notFound(c);
    const providerAccounts = await store.listProviderAccounts(familyId, { connectionId: conn.id });
    const existing = await unlinkedAccounts(store, familyId);
    return page(
      c,
      `Link ${conn.institution_name} accounts`,
      <LinkForm
        existing={existing}
        connectionId={conn.id}
        providerAccounts={providerAccounts}
        countryCode={conn.country_code}
        csrf={c.var.csrf}
      />,
      { flash: flashFrom(c) },
    );
  });

  app.post('/connections/:id/link', async (c) => {
    const conn = await loadConnection(c, 'id');
    if (!conn) return notFound(c);
    const form = await formData(c);
    const chosen = chosenProviderAccounts(form);
    const back = `/connections/${conn.id}/link`;
    if (chosen.length === 0)
      return c.redirect(withFlash(back, 'error', 'Choose at least one account to link.'));
    const outcome = await linkChosen(c.var.deps.store, currentUser(c).familyId, conn.id, chosen, form);
    if (outcome === 'not found') return notFound(c);
    if ('error' in outcome) return c.redirect(withFlash(back, 'error', outcome.error));
    const { linked } = outcome;
    return c.redirect(
      withFlash(
        '/',
        'ok',
        `${linked} account${linked === 1 ? '' : 's'} linked. Use “Sync now” to read their transactions.`,
      ),
    );
  });
}

export function registerConnectPages(app: WebApp, connects: ConnectSessions): void {
  registerSearch(app);
  registerBankLogin(app, connects);
  registerReconnect(app, connects);
  registerSession(app, connects);
  registerConnections(app);
}

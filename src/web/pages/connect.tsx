/**
 * Connect a bank: search institutions as you type, log in with the bank's own form, answer each
 * MFA challenge live in the page while Sophtron works, then link the accounts.
 */
import { z } from 'zod';
import type { ChallengeAnswer, Institution } from '../../domain/types.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { LinkForm, KIND_OPTIONS } from '../components/link-form.js';
import { ChallengeForm } from '../components/challenge.js';
import { CHALLENGE_HINTS, loginHint } from '../../sandbox/guide.js';
import type { ConnectSession, ConnectSessions } from '../connect/sessions.js';
import { formData } from '../forms.js';
import { CsrfField } from '../layout.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';

const notFound = (c: Ctx) => messagePage(c, 'Not found', 'There is nothing here.', 404);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function InstitutionResults({ items, query }: { items: Institution[]; query: string }) {
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

function Elapsed({ since }: { since: number }) {
  const s = Math.floor((Date.now() - since) / 1000);
  return (
    <span data-elapsed-since={String(since)}>
      {Math.floor(s / 60)} min {s % 60} s
    </span>
  );
}

/** The live part of the connect page; htmx reloads it while Sophtron works. */
type ExistingAccounts = Parameters<typeof LinkForm>[0]['existing'];

/** The family's accounts not linked to any provider account (a new link may continue one). */
async function unlinkedAccounts(c: Ctx, familyId: string): Promise<ExistingAccounts> {
  return (await c.var.deps.store.listAccounts(familyId))
    .filter((a) => a.provider_account_id === null)
    .map((a) => ({
      id: a.id,
      name: a.name,
      currency: a.currency,
      previousSophtronAccountId: a.previous_sophtron_account_id,
    }));
}

function Live({
  s,
  c,
  providerAccounts,
  existing,
}: {
  s: ConnectSession;
  c: Ctx;
  providerAccounts?: Parameters<typeof LinkForm>[0]['providerAccounts'];
  existing?: ExistingAccounts;
}) {
  const stateUrl = `/connect/session/${s.id}/state`;
  if (s.phase === 'working')
    return (
      <div
        id="connect-live"
        hx-get={stateUrl}
        hx-trigger="load delay:1s"
        hx-swap="outerHTML"
        aria-live="polite"
      >
        <div class="card" role="status">
          <p>
            <strong>{s.institution.name}</strong>: {s.step ?? 'Sophtron is working'}
            {s.status ? ` (${s.status})` : ''}
          </p>
          <progress aria-label="Connecting"></progress>
          <p class="muted">
            Elapsed: <Elapsed since={s.startedAt} /> · {s.polls} checks with Sophtron. Banks often take a few
            minutes; keep this page open. <a href={`/connect/session/${s.id}`}>Refresh</a>
          </p>
          <form method="post" action={`/connect/session/${s.id}/cancel`}>
            <CsrfField token={c.var.csrf} />
            <button type="submit" class="secondary">
              Cancel
            </button>
          </form>
        </div>
      </div>
    );
  if (s.phase === 'challenge' && s.challenge)
    return (
      <div id="connect-live">
        <ChallengeForm
          sessionId={s.id}
          seq={s.challengeSeq}
          challenge={s.challenge}
          csrf={c.var.csrf}
          bank={s.institution.name}
          sandboxHint={c.var.sandboxMode ? CHALLENGE_HINTS[s.challenge.kind] : null}
        />
        <p class="muted">
          Elapsed: <Elapsed since={s.startedAt} />
        </p>
      </div>
    );
  if (s.phase === 'accounts' && s.connectionId)
    return (
      <div id="connect-live">
        <p class="flash ok" role="status">
          Connected to {s.institution.name}.
        </p>
        <LinkForm
          existing={existing}
          connectionId={s.connectionId}
          providerAccounts={providerAccounts ?? []}
          countryCode={s.institution.countryCode}
          csrf={c.var.csrf}
        />
      </div>
    );
  return (
    <div id="connect-live">
      <p class="flash error" role="alert">
        {s.institution.name}: {s.message ?? 'the connection failed'}
      </p>
      <p>
        <a href={`/connect/bank/${encodeURIComponent(s.institution.id)}`}>Try again</a> or{' '}
        <a href="/connect">choose another bank</a>.
      </p>
    </div>
  );
}

async function renderLive(c: Ctx, s: ConnectSession) {
  const providerAccounts =
    s.phase === 'accounts' && s.connectionId
      ? await c.var.deps.store.listProviderAccounts(s.familyId, { connectionId: s.connectionId })
      : undefined;
  const existing = providerAccounts ? await unlinkedAccounts(c, s.familyId) : undefined;
  return <Live s={s} c={c} providerAccounts={providerAccounts} existing={existing} />;
}

function parseAnswer(kind: string, form: Record<string, string | string[]>): ChallengeAnswer | string {
  const one = (k: string) => {
    const v = form[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
  };
  switch (kind) {
    case 'security_questions': {
      const v = form.answer;
      const answers = (Array.isArray(v) ? v : v ? [v] : []).map((a) => a.trim());
      if (answers.length === 0 || answers.some((a) => a === ''))
        return 'Answer: every question needs an answer';
      return { kind, answers };
    }
    case 'token_method':
      return one('method') ? { kind, method: one('method') } : 'Method: choose where to send the code';
    case 'token_input':
      return one('code') ? { kind, code: one('code') } : 'Code: is required';
    case 'token_read':
      return { kind, approved: true };
    case 'captcha':
      return one('text') ? { kind, text: one('text') } : 'Characters in the image: are required';
    case 'account_select':
      return one('account') ? { kind, accountId: one('account') } : 'Account: choose one';
    default:
      return 'Unknown challenge';
  }
}

const linkSchema = z.object({ link: z.array(z.string()).default([]) });

export function registerConnectPages(app: WebApp, connects: ConnectSessions): void {
  const mine = async (c: Ctx): Promise<ConnectSession | undefined> =>
    c.var.session
      ? connects.get(c.req.param('id') ?? '', {
          session: c.var.session.idHash,
          familyId: currentUser(c).familyId,
        })
      : undefined;

  app.get('/connect', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    let items: Institution[] = [];
    let error: string | null = null;
    if (q.length >= 2) {
      try {
        items = await (
          await c.var.deps.services.sophtron.client(currentUser(c).familyId)
        ).searchInstitutions(q);
      } catch (err) {
        error = errorText(err);
      }
    }
    const connections = await c.var.deps.store.listConnections(currentUser(c).familyId);
    return page(
      c,
      'Connect a bank',
      <>
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
        <div id="results" aria-live="polite">
          {error ? (
            <p class="flash error">{error}</p>
          ) : q ? (
            <InstitutionResults items={items} query={q} />
          ) : null}
        </div>
        {connections.length > 0 && (
          <section>
            <h2>Your bank logins</h2>
            <ul>
              {connections.map((conn) => (
                <li>
                  {conn.institution_name}{' '}
                  <span class={`pill ${conn.status}`}>{conn.status.replace('_', ' ')}</span>
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
        )}
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.get('/connect/institutions', async (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 100);
    if (q.length < 2) return c.html(<InstitutionResults items={[]} query={q} />);
    try {
      const api = await c.var.deps.services.sophtron.client(currentUser(c).familyId);
      return c.html(<InstitutionResults items={await api.searchInstitutions(q)} query={q} />);
    } catch (err) {
      return c.html(<p class="flash error">{errorText(err)}</p>);
    }
  });

  const loadInstitution = async (c: Ctx): Promise<Institution | string> => {
    try {
      const api = await c.var.deps.services.sophtron.client(currentUser(c).familyId);
      return await api.getInstitution(c.req.param('institutionId') ?? '');
    } catch (err) {
      return errorText(err);
    }
  };

  app.get('/connect/bank/:institutionId', async (c) => {
    const inst = await loadInstitution(c);
    if (typeof inst === 'string') return c.redirect(withFlash('/connect', 'error', inst));
    return page(
      c,
      `Log in to ${inst.name}`,
      <form method="post" action={`/connect/bank/${encodeURIComponent(inst.id)}`} class="card narrow">
        <CsrfField token={c.var.csrf} />
        <p>
          This is {inst.name}'s own login. What you type goes to the bank through Sophtron; Sophtron Sync
          never stores your bank password.
        </p>
        {c.var.sandboxMode && (
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
      </form>,
      { flash: flashFrom(c) },
    );
  });

  app.post('/connect/bank/:institutionId', async (c) => {
    const user = currentUser(c);
    const form = await formData(c);
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const institutionId = c.req.param('institutionId');
    if (!username)
      return c.redirect(
        withFlash(`/connect/bank/${encodeURIComponent(institutionId)}`, 'error', 'User ID: is required'),
      );
    const inst = await loadInstitution(c);
    if (typeof inst === 'string') return c.redirect(withFlash('/connect', 'error', inst));
    const api = await c.var.deps.services.sophtron.client(user.familyId);
    const s = await connects.startConnect(
      api,
      { session: c.var.session!.idHash, familyId: user.familyId },
      { id: inst.id, name: inst.name, countryCode: inst.countryCode },
      { institutionId: inst.id, username, password, verification: form.verification === 'yes' },
    );
    return c.redirect(`/connect/session/${s.id}`);
  });

  app.get('/connect/reconnect/:connectionId', async (c) => {
    const user = currentUser(c);
    const conn = await c.var.deps.store.getConnection(user.familyId, c.req.param('connectionId'));
    if (!conn) return notFound(c);
    return page(
      c,
      `Fix ${conn.institution_name}`,
      <>
        <form method="post" action={`/connect/reconnect/${conn.id}`} class="card narrow">
          <CsrfField token={c.var.csrf} />
          <p>
            Status: {conn.status.replace('_', ' ')}. {conn.status_reason ?? ''}
          </p>
          <p>Sophtron will ask the bank again; answer its questions here when they appear.</p>
          <button type="submit">Reconnect now</button>
        </form>
        <form method="post" action={`/connect/reconnect/${conn.id}/login`} class="card narrow">
          <CsrfField token={c.var.csrf} />
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
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.post('/connect/reconnect/:connectionId', async (c) => {
    const user = currentUser(c);
    const conn = await c.var.deps.store.getConnection(user.familyId, c.req.param('connectionId'));
    if (!conn) return notFound(c);
    const api = await c.var.deps.services.sophtron.client(user.familyId);
    const s = await connects.startReconnect(
      api,
      { session: c.var.session!.idHash, familyId: user.familyId },
      { id: conn.institution_id, name: conn.institution_name, countryCode: conn.country_code },
      conn.user_institution_id,
    );
    return c.redirect(`/connect/session/${s.id}`);
  });

  app.post('/connect/reconnect/:connectionId/login', async (c) => {
    const user = currentUser(c);
    const conn = await c.var.deps.store.getConnection(user.familyId, c.req.param('connectionId'));
    if (!conn) return notFound(c);
    const form = await formData(c);
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!username || !password)
      return c.redirect(
        withFlash(`/connect/reconnect/${conn.id}`, 'error', 'User ID and Password: both are required'),
      );
    const api = await c.var.deps.services.sophtron.client(user.familyId);
    const s = await connects.startUpdate(
      api,
      { session: c.var.session!.idHash, familyId: user.familyId },
      { id: conn.institution_id, name: conn.institution_name, countryCode: conn.country_code },
      conn.user_institution_id,
      { username, password },
    );
    return c.redirect(`/connect/session/${s.id}`);
  });

  app.get('/connect/session/:id', async (c) => {
    const s = await mine(c);
    if (!s) return notFound(c);
    const title =
      s.phase === 'failed'
        ? `Could not connect ${s.institution.name}`
        : s.phase === 'accounts'
          ? `Connected to ${s.institution.name}`
          : `Connecting ${s.institution.name}`;
    return page(c, title, await renderLive(c, s));
  });

  app.get('/connect/session/:id/state', async (c) => {
    const s = await mine(c);
    if (!s) return notFound(c);
    // The page's heading follows the state it swaps in: no "Connecting …" above a failure.
    const heading =
      s.phase === 'failed'
        ? `Could not connect ${s.institution.name}`
        : s.phase === 'accounts'
          ? `Connected to ${s.institution.name}`
          : null;
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
    const s = await mine(c);
    if (!s || s.challenge?.kind !== 'captcha') return notFound(c);
    c.header('Content-Type', 'image/png');
    c.header('Cache-Control', 'no-store');
    return c.body(new Uint8Array(s.challenge.image));
  });

  app.post('/connect/session/:id/answer', async (c) => {
    const s = await mine(c);
    if (!s) return notFound(c);
    const form = await formData(c);
    const seq = Number(form.seq);
    const kind = typeof form.kind === 'string' ? form.kind : '';
    const answer = parseAnswer(kind, form);
    // A stale or bad answer changes nothing: the page shows the current state (its own challenge form).
    if (typeof answer !== 'string' && s.challenge?.kind === kind) await connects.answer(s, seq, answer);
    if (!c.req.header('hx-request')) return c.redirect(`/connect/session/${s.id}`);
    const now = await mine(c);
    return now ? c.html(await renderLive(c, now)) : notFound(c);
  });

  app.post('/connect/session/:id/cancel', async (c) => {
    const s = await mine(c);
    if (!s) return notFound(c);
    await connects.cancel(s);
    return c.redirect(withFlash('/connect', 'ok', 'Connecting was cancelled.'));
  });

  app.post('/connections/:id/remove', async (c) => {
    const user = currentUser(c);
    const { store, services } = c.var.deps;
    const conn = await store.getConnection(user.familyId, c.req.param('id'));
    if (!conn) return notFound(c);
    // Sophtron forgets it too when it can; the ledger's copy goes either way (accounts keep history).
    let atSophtron = '';
    try {
      await (await services.sophtron.client(user.familyId)).deleteConnection(conn.user_institution_id);
    } catch (err) {
      atSophtron = ` (Sophtron could not be told: ${errorText(err)})`;
    }
    await store.deleteConnection(user.familyId, conn.id);
    return c.redirect(
      withFlash(
        '/',
        'ok',
        `The ${conn.institution_name} login was removed${atSophtron}. Its accounts keep their history; connecting the bank again continues them.`,
      ),
    );
  });

  app.get('/connections/:id/link', async (c) => {
    const user = currentUser(c);
    const conn = await c.var.deps.store.getConnection(user.familyId, c.req.param('id'));
    if (!conn) return notFound(c);
    const providerAccounts = await c.var.deps.store.listProviderAccounts(user.familyId, {
      connectionId: conn.id,
    });
    return page(
      c,
      `Link ${conn.institution_name} accounts`,
      <LinkForm
        existing={await unlinkedAccounts(c, user.familyId)}
        connectionId={conn.id}
        providerAccounts={providerAccounts}
        countryCode={conn.country_code}
        csrf={c.var.csrf}
      />,
      { flash: flashFrom(c) },
    );
  });

  app.post('/connections/:id/link', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const conn = await store.getConnection(user.familyId, c.req.param('id'));
    if (!conn) return notFound(c);
    const form = await formData(c);
    const parsed = linkSchema.safeParse({ link: typeof form.link === 'string' ? [form.link] : form.link });
    const chosen = parsed.success ? parsed.data.link : [];
    const back = `/connections/${conn.id}/link`;
    if (chosen.length === 0)
      return c.redirect(withFlash(back, 'error', 'Choose at least one account to link.'));
    const providerAccounts = await store.listProviderAccounts(user.familyId, { connectionId: conn.id });
    const kinds = new Set(KIND_OPTIONS.map((k) => k.value));
    let linked = 0;
    for (const paId of chosen) {
      const pa = providerAccounts.find((p) => p.id === paId);
      if (!pa) return notFound(c);
      if (pa.account) continue;
      const field = (k: string) =>
        typeof form[`${k}_${paId}`] === 'string' ? (form[`${k}_${paId}`] as string).trim() : '';
      const kind = field('kind');
      if (!kinds.has(kind as never))
        return c.redirect(withFlash(back, 'error', `Kind of ${pa.name}: choose one of the list`));
      const into = field('into');
      try {
        await store.linkAccount(
          user.familyId,
          pa.id,
          into
            ? // An existing account keeps its name, kind and currency (its history is in them).
              { intoAccountId: into, ...(field('start') ? { startDate: field('start') } : {}) }
            : {
                name: field('name') || pa.name,
                kind: kind as (typeof KIND_OPTIONS)[number]['value'],
                currency: field('currency').toUpperCase(),
                startDate: field('start') || null,
              },
        );
        linked++;
      } catch (err) {
        return c.redirect(withFlash(back, 'error', `${pa.name}: ${errorText(err)}`));
      }
    }
    return c.redirect(
      withFlash(
        '/',
        'ok',
        `${linked} account${linked === 1 ? '' : 's'} linked. Use “Sync now” to read their transactions.`,
      ),
    );
  });
}

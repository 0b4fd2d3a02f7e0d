/**
 * The web application: createWebApp(deps) builds the Hono app (security middleware, then one
 * route module per page group); startWebServer listens and stops gracefully.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import { listen } from '../http/listen.js';
import {
  CSRF_FIELD,
  isSafeMethod,
  originAllowed,
  PRE_SESSION_COOKIE,
  submittedToken,
  tokenMatches,
} from './auth/csrf.js';
import { loadSession, SESSION_COOKIE } from './auth/sessions.js';
import { randomToken } from './auth/tokens.js';
import { setCookieSecure } from './cookies.js';
import type { Ctx, WebApp, WebDeps, WebEnv } from './context.js';
import { refuseUnparsableJson } from './json-body.js';
import { userForToken } from './auth/api-tokens.js';
import { accessOf } from './auth/access.js';
import { hostAccepted, hostPolicy, originAccepted } from './auth/hosts.js';
import { registerAssets } from './assets.js';
import { registerAuthPages } from './pages/auth/routes.js';
import { registerDashboard } from './pages/dashboard/routes.js';
import { registerFamilyPages } from './pages/family/routes.js';
import { registerTokenPages } from './pages/tokens/routes.js';
import { registerSimplefinPages } from './pages/simplefin/routes.js';
import { registerSchedulePages } from './pages/schedule/routes.js';
import { registerSettingsPages } from './pages/settings/routes.js';
import { registerConnectPages } from './pages/connect/routes.js';
import { ConnectSessions } from './connect/sessions.js';
import { registerSyncPages } from './pages/sync/routes.js';
import { registerAccountPages } from './pages/account/routes.js';
import { registerImportPages } from './pages/import/routes.js';
import { registerApi } from './api/routes.js';
import { registerApiDocs } from './api/docs.js';
import { registerAutoImport } from './api/autoimport.js';
import { registerTaskEvents } from './task-events.js';
import { LiveTasks } from './tasks.js';
import { messagePage } from './render.js';
import { simplefinServerFor } from '../simplefin/index.js';
import { sophtronBudgetLeft } from './wiring.js';

/** Requests that authenticate themselves (a valid bearer token, the auto-import secret): no cookies, no CSRF. */
const isSelfAuthenticated = (c: Ctx): boolean => c.var.apiUser !== null || c.req.path === '/autoimport';

/** A request that needs a login and has none. */
async function askToLogIn(c: Ctx): Promise<Response> {
  if (c.req.path.startsWith('/api/')) return c.json({ error: 'authentication required' }, 401);
  if (c.req.header('hx-request')) {
    c.header('HX-Redirect', '/login');
    return c.body(null, 401);
  }
  if (!isSafeMethod(c.req.method)) return c.text('authentication required', 401);
  return c.redirect((await c.var.deps.store.countUsers()) === 0 ? '/setup' : '/login');
}

export function createWebApp(deps: WebDeps): WebApp {
  const app = new Hono<WebEnv>();
  const hosts = hostPolicy(deps.config);

  // DNS rebinding: only our own names (src/web/auth/hosts.ts). The health check answers any name.
  app.use(async (c, next) => {
    if (c.req.path === '/healthz' || hostAccepted(hosts, c.req.header('host') ?? new URL(c.req.url).host))
      return next();
    return c.text(
      `This server does not answer to the name ${JSON.stringify((c.req.header('host') ?? '').slice(0, 100))}. ` +
        'If it is yours, add it to ALLOWED_HOSTS (or set PUBLIC_URL) and restart.',
      421,
    );
  });

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
      crossOriginEmbedderPolicy: false,
      permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    }),
  );

  // Forms and import configurations are small; refuse anything large before reading it.
  app.use(
    bodyLimit({
      maxSize: 2 * 1024 * 1024,
      onError: (c) => c.text('The request is too large (2 MB at most).', 413),
    }),
  );

  // SimpleFIN apps authenticate on their own (a one-time claim code, then HTTP Basic): mounted
  // before the session, CSRF and login middleware, which never see these requests.
  app.route(
    '/simplefin',
    deps.simplefin ??
      simplefinServerFor(deps.store, deps.config, deps.logger, {
        runSync: (familyId, accountIds) =>
          deps.services.sync.run(familyId, { accountIds, trigger: 'simplefin' }),
        budget: sophtronBudgetLeft(deps.store, deps.config),
      }),
  );

  // Context: deps, session, secure flag, CSRF token, sandbox banner.
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('apiUser', null);
    // A bearer token on /api (documentation included) must be valid; it names its user.
    const authorization = c.req.header('authorization');
    if (c.req.path.startsWith('/api/') && authorization?.startsWith('Bearer ')) {
      const user = await userForToken(deps.store, authorization.slice(7).trim());
      if (!user) return c.json({ error: 'invalid token' }, 401);
      c.set('apiUser', user);
    }
    const secure =
      (deps.config.publicUrl?.startsWith('https:') ?? false) || c.req.header('x-forwarded-proto') === 'https';
    c.set('secure', secure);
    const session = await loadSession(deps.store, getCookie(c, SESSION_COOKIE));
    c.set('session', session);
    let csrf = session?.csrfToken;
    if (!csrf) {
      csrf = getCookie(c, PRE_SESSION_COOKIE);
      if (!csrf || csrf.length !== 43) {
        csrf = randomToken();
        setCookieSecure(c, PRE_SESSION_COOKIE, csrf, { maxAge: 3600 });
      }
    }
    c.set('csrf', csrf);
    c.set(
      'sandboxMode',
      // Before login: the instance runs the sandbox when the environment has no credentials.
      session
        ? (await deps.services.sophtron.describe(session.user.familyId)).source === 'sandbox'
        : deps.sandboxRunning === true,
    );
    await next();
  });

  // Pages of a logged-in person are private: no shared or back-button cache keeps them.
  app.use(async (c, next) => {
    await next();
    if (c.var.session && !c.req.path.startsWith('/assets/')) c.header('Cache-Control', 'no-store');
  });

  // CSRF on every state change that rides on cookies.
  app.use(async (c, next) => {
    if (isSafeMethod(c.req.method) || isSelfAuthenticated(c)) return next();
    const denied = (why: string) =>
      c.req.path.startsWith('/api/')
        ? c.json({ error: why }, 403)
        : messagePage(c, 'Request refused', `${why} Reload the page and try again.`, 403);
    if (!originAllowed(c, (origin) => originAccepted(hosts, origin, c.req.header('host'))))
      return denied(
        deps.config.publicUrl
          ? `This request did not come from ${new URL(deps.config.publicUrl).origin} (PUBLIC_URL) or another of this server's names; open the application at that address.`
          : "This request came from another site (its address is not one of this server's names; see ALLOWED_HOSTS).",
      );
    const expected = c.var.session ? c.var.session.csrfToken : getCookie(c, PRE_SESSION_COOKIE);
    if (!tokenMatches(expected, await submittedToken(c)))
      return denied(`The form's security token (${CSRF_FIELD}) is missing or out of date.`);
    return next();
  });

  // Access: each route's declared access (src/web/auth/access.ts); first run goes to setup.
  app.use(async (c, next) => {
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
    // No route: a logged-in person gets "not found", anyone else the way in.
    const access = route ? accessOf(route.method, route.path) : 'member';
    if (access === 'public' || access === 'own-secret') return next();
    const user = c.var.apiUser ?? c.var.session?.user;
    if (!user) return askToLogIn(c);
    if (access === 'admin' && user.role !== 'admin')
      return c.req.path.startsWith('/api/')
        ? c.json({ error: 'only an administrator of the family can do this' }, 403)
        : messagePage(c, 'Not allowed', 'Only an administrator of the family can do this.', 403);
    if (access === 'instance-admin' && !user.instanceAdmin)
      return messagePage(c, 'Not found', 'There is nothing here.', 404);
    return next();
  });

  app.use(refuseUnparsableJson);

  app.get('/healthz', (c) => c.json({ ok: true }));
  registerAssets(app);
  registerApiDocs(app);
  registerApi(app);
  registerAutoImport(app);
  registerAuthPages(app);
  registerDashboard(app);
  registerSettingsPages(app);
  registerConnectPages(
    app,
    deps.connects ??
      new ConnectSessions(deps.store, {
        jobTimeoutMs: deps.config.sophtronJobTimeoutMs,
        maxPollIntervalMs: 3_000,
      }),
  );
  const tasks = deps.tasks ?? new LiveTasks(deps.store);
  registerTaskEvents(app, tasks);
  registerSyncPages(app, tasks);
  registerAccountPages(app);
  registerImportPages(app, tasks);
  registerFamilyPages(app);
  registerTokenPages(app);
  registerSimplefinPages(app);
  registerSchedulePages(app);

  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? c.json({ error: 'not found' }, 404)
      : messagePage(c, 'Not found', 'There is nothing here.', 404),
  );
  app.onError((err, c) => {
    deps.logger.error(
      { err: { message: err.message, stack: err.stack }, path: c.req.path },
      'web request failed',
    );
    return c.req.path.startsWith('/api/')
      ? c.json({ error: 'internal error' }, 500)
      : c.html('<!doctype html><title>Error</title><p>Something went wrong. The error was logged.</p>', 500);
  });
  return app;
}

export interface RunningWebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startWebServer(
  app: WebApp,
  opts: { port: number; host: string },
): Promise<RunningWebServer> {
  const { server, address } = await listen(app.fetch, opts);
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((done) => {
        // SSE streams would keep the server open forever: cut idle and live connections.
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * First-run setup (guarded by the console code), login and logout. The forms are auth/views.tsx
 * (with their rules in auth/forms.ts); the routes here check, throttle, and start sessions.
 */
import { deleteCookie, getCookie } from 'hono/cookie';
import { startDefaultSchedule } from '../../../scheduler/schedules.js';
import { schedulerSettings } from '../../../scheduler/settings.js';
import { dummyHash, verifyPassword } from '../../auth/passwords.js';
import { clientAddress } from '../../../http/client-address.js';
import { DEVICE_COOKIE, DEVICE_TTL_MS, knownDevice, rememberDevice } from '../../auth/devices.js';
import { buckets, waitText } from '../../auth/throttle.js';
import { createSession, SESSION_COOKIE, SESSION_TTL_MS } from '../../auth/sessions.js';
import { setupCodeMatches } from '../../auth/setup-code.js';
import { setCookieSecure } from '../../cookies.js';
import type { Ctx, WebApp } from '../../context.js';
import { formData, parseForm } from '../../forms.js';
import { page, withFlash } from '../../render.js';
import { createUser } from '../../users.js';
import { SETUP_LABELS, setupSchema } from './forms.js';
import { LoginForm, SetupForm, type SetupValues } from './views.js';

export function startSession(c: Ctx, cookieValue: string): void {
  setCookieSecure(c, SESSION_COOKIE, cookieValue, { maxAge: Math.floor(SESSION_TTL_MS / 1000) });
}

export function registerAuthPages(app: WebApp): void {
  app.get('/setup', async (c) => {
    if ((await c.var.deps.store.countUsers()) > 0) return c.redirect('/login');
    return page(
      c,
      'Welcome',
      <SetupForm csrf={c.var.csrf} values={{ timeZone: c.var.deps.config.timeZone }} />,
    );
  });

  app.post('/setup', createFirstUser);

  app.get('/login', async (c) => {
    if ((await c.var.deps.store.countUsers()) === 0) return c.redirect('/setup');
    if (c.var.session) return c.redirect('/');
    return page(c, 'Log in', <LoginForm csrf={c.var.csrf} />);
  });

  app.post('/login', logIn);

  app.post('/logout', async (c) => {
    if (c.var.session) await c.var.deps.store.deleteSession(c.var.session.idHash);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login');
  });
}

/** The first user (the administrator) and their family, once the console's setup code is typed. */
async function createFirstUser(c: Ctx) {
  const { store } = c.var.deps;
  if ((await store.countUsers()) > 0) return c.redirect('/login');
  const form = await formData(c);
  const typed = (name: string) => (typeof form[name] === 'string' ? form[name].slice(0, 100) : undefined);
  const values: SetupValues = {
    // A wrong code is not shown again: the person reads it anew from the console.
    family: typed('family'),
    timeZone: typed('time_zone') ?? c.var.deps.config.timeZone,
    username: typed('username'),
  };
  const again = (error: string, status: 400 | 403 | 429 = 400, code?: string) =>
    page(c, 'Welcome', <SetupForm csrf={c.var.csrf} values={{ ...values, code }} />, {
      flash: { kind: 'error', text: error },
      status,
    });
  const now = c.var.deps.now?.() ?? Date.now();
  const tries = [buckets.setup(clientAddress(c, c.var.deps.config.trustProxy))];
  const wait = await store.throttleWait(tries, now);
  if (wait > 0) {
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    return again(`Too many wrong setup codes; try again in ${waitText(wait)}.`, 429);
  }
  const parsed = parseForm(setupSchema, form, SETUP_LABELS);
  if (!parsed.ok) return again(parsed.error, 400, typed('code'));
  if (!setupCodeMatches(c.var.deps.setupCode, parsed.data.code)) {
    await store.recordThrottleFailure(tries, now);
    return again('Setup code: wrong code (see the server console).', 403);
  }
  const { id: familyId } = await store.createFamily({
    name: parsed.data.family,
    timeZone: parsed.data.time_zone,
  });
  await startDefaultSchedule(store, familyId, schedulerSettings(c.var.deps.config));
  const userId = await createUser(store, {
    familyId,
    username: parsed.data.username,
    password: parsed.data.password,
    role: 'admin',
    instanceAdmin: true,
  });
  await store.clearThrottle(tries);
  const { cookieValue } = await createSession(store, userId);
  startSession(c, cookieValue);
  c.var.deps.logger.info({ familyId }, 'first user created');
  return c.redirect(
    withFlash(
      '/settings',
      'ok',
      `Welcome, ${parsed.data.username}: ${parsed.data.family} is set up and you are its administrator. Next: Sophtron credentials below (or keep the sandbox), then Connect a bank.`,
    ),
  );
}

async function logIn(c: Ctx) {
  const { store } = c.var.deps;
  const form = await formData(c);
  const username = typeof form.username === 'string' ? form.username.trim().toLowerCase().slice(0, 64) : '';
  const password = typeof form.password === 'string' ? form.password : '';
  const refuse = (text: string, status: 403 | 429) =>
    page(c, 'Log in', <LoginForm csrf={c.var.csrf} username={username} />, {
      flash: { kind: 'error', text },
      status,
    });
  const now = c.var.deps.now?.() ?? Date.now();
  const address = clientAddress(c, c.var.deps.config.trustProxy);
  const user = username ? await store.findUserByName(username) : undefined;
  // A device this person logged in from, or their own session, has its own bucket: a
  // stranger's guesses at this name never lock them out (src/web/auth/throttle.ts).
  const device = user ? await knownDevice(store, getCookie(c, DEVICE_COOKIE), user.id, now) : null;
  const ownSession = user && c.var.session?.user.id === user.id ? c.var.session : null;
  const tries = device
    ? [buckets.device(device)]
    : ownSession
      ? [buckets.session(ownSession.idHash)]
      : [buckets.pair(address, username), buckets.address(address)];
  const wait = await store.throttleWait(tries, now);
  if (wait > 0) {
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    return refuse(`Too many failed logins; try again in ${waitText(wait)}.`, 429);
  }
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash()));
  if (!user || !ok) {
    await store.recordThrottleFailure(tries, now);
    return refuse('Wrong username or password.', 403);
  }
  // The address bucket stays: logging in to one's own account must not reset a sprayer's count.
  await store.clearThrottle([buckets.pair(address, username), ...(device || ownSession ? tries : [])]);
  if (c.var.session) await store.deleteSession(c.var.session.idHash);
  const { cookieValue } = await createSession(store, user.id);
  startSession(c, cookieValue);
  const deviceCookie = await rememberDevice(store, user.id, getCookie(c, DEVICE_COOKIE), now);
  setCookieSecure(c, DEVICE_COOKIE, deviceCookie, { maxAge: Math.floor(DEVICE_TTL_MS / 1000) });
  return c.redirect('/');
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  createHarness,
  login,
  PASSWORD,
  SETUP_CODE,
  setupFirstUser,
  type Harness,
} from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

describe('first run and login', () => {
  it('sends everyone to setup until the first user exists, and needs the console code', async () => {
    const c = new Client(h.app);
    const home = await c.request('/');
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/setup');
    await c.page('/setup');
    const wrong = await c.post('/setup', {
      code: 'WRONG-CODE-0000',
      family: 'F',
      time_zone: 'UTC',
      username: 'mallory',
      password: PASSWORD,
      password2: PASSWORD,
    });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('wrong code');
    const rows = await h.store.db.selectFrom('web_users').selectAll().execute();
    expect(rows).toHaveLength(0);

    await setupFirstUser(h.app);
    // Setup is closed afterwards, even with the right code.
    const again = new Client(h.app);
    expect((await again.request('/setup')).headers.get('location')).toBe('/login');
    await again.page('/login');
    const late = await again.post('/setup', {
      code: SETUP_CODE,
      family: 'F',
      time_zone: 'UTC',
      username: 'mallory',
      password: PASSWORD,
      password2: PASSWORD,
    });
    expect(late.status).toBe(302);
    expect(await h.store.db.selectFrom('web_users').select('username').execute()).toEqual([
      { username: 'alice' },
    ]);
  });

  it('stores a scrypt hash and only a hash of the session id', async () => {
    const c = await setupFirstUser(h.app);
    const user = await h.store.db.selectFrom('web_users').selectAll().executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(user.password_hash).not.toContain(PASSWORD);
    const cookie = c.cookies.get('ss_session')!;
    expect(cookie).toHaveLength(43);
    const sessions = await h.store.db.selectFrom('web_sessions').selectAll().execute();
    expect(sessions.map((s) => s.id_hash)).not.toContain(cookie);
    expect(sessions).toHaveLength(1);
  });

  it('sets httpOnly SameSite cookies, Secure behind https', async () => {
    const c = new Client(h.app);
    const res = await c.request('/setup');
    const set = res.headers.getSetCookie().join('\n');
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).not.toMatch(/Secure/);
    const https = await c.request('/login', { headers: { 'x-forwarded-proto': 'https' } });
    const c2 = new Client(h.app);
    const r2 = await c2.request('/setup', { headers: { 'x-forwarded-proto': 'https' } });
    expect(r2.headers.getSetCookie().join('\n')).toMatch(/Secure/);
    expect(https.status).toBeLessThan(500);
  });

  it('rate-limits failed logins per address and username', async () => {
    await setupFirstUser(h.app);
    const c = new Client(h.app);
    await c.page('/login');
    // Three free tries, then a wait that grows (test/web/login-throttle.test.ts has the rest).
    for (let i = 0; i < 4; i++)
      expect((await c.post('/login', { username: 'alice', password: 'nope-nope-nope' })).status).toBe(403);
    const locked = await c.post('/login', { username: 'alice', password: PASSWORD });
    expect(locked.status).toBe(429);
    // Another username from the same address is not locked.
    expect((await c.post('/login', { username: 'bob', password: 'x' })).status).toBe(403);
    const stored = await h.store.db.selectFrom('web_login_attempts').selectAll().execute();
    expect(stored.find((r) => r.key.endsWith('|alice'))?.locked_until).toBeTruthy();
  });

  it('logs in and out', async () => {
    await setupFirstUser(h.app);
    const c = await login(h.app, 'alice');
    const home = await c.page('/');
    expect(home.res.status).toBe(200);
    expect(home.html).toContain('Dashboard');
    expect((await c.post('/logout')).status).toBe(302);
    expect((await c.request('/')).headers.get('location')).toBe('/login');
    expect(await h.store.db.selectFrom('web_sessions').selectAll().execute()).toHaveLength(1); // setup's session only
  });

  it('sends security headers with a CSP that allows no inline script', async () => {
    const res = await new Client(h.app).request('/setup');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('serves htmx and the stylesheet from the server itself', async () => {
    const c = new Client(h.app);
    const js = await c.request('/assets/htmx.min.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await c.request('/assets/app.css')).status).toBe(200);
    expect((await c.request('/assets/%2e%2e%2fpackage.json')).status).toBe(404);
  });
});

describe('changing the password', () => {
  it('needs the current password and logs out the other sessions', async () => {
    const first = await setupFirstUser(h.app);
    const second = await login(h.app, 'alice');
    await first.page('/family');
    const wrong = await first.post('/family/password', {
      current: 'nope',
      password: 'a brand new secret',
      password2: 'a brand new secret',
    });
    expect(decodeURIComponent(wrong.headers.get('location')!)).toContain('Current password: wrong');
    const ok = await first.post('/family/password', {
      current: PASSWORD,
      password: 'a brand new secret',
      password2: 'a brand new secret',
    });
    expect(decodeURIComponent(ok.headers.get('location')!)).toContain('Password changed');
    expect((await first.request('/')).status).toBe(200);
    expect((await second.request('/')).headers.get('location')).toBe('/login');
    await expect(login(h.app, 'alice')).rejects.toThrow();
    await login(h.app, 'alice', 'a brand new secret');
  });

  it('revokes the API tokens made under the old password, and says so before and after', async () => {
    const alice = await setupFirstUser(h.app);
    await alice.page('/tokens');
    const made = await alice.post('/tokens', { name: 'nightly cron' });
    const token = /id="new-token">\s*(sst_[\w-]+)/.exec(await made.text())?.[1];
    expect(token).toBeTruthy();
    const bearer = { headers: { authorization: `Bearer ${token}` } };
    expect((await new Client(h.app).request('/api/accounts', bearer)).status).toBe(200);

    const form = await alice.page('/family');
    expect(form.html).toContain('also revokes your 1 API token');
    const ok = await alice.post('/family/password', {
      current: PASSWORD,
      password: 'a brand new secret',
      password2: 'a brand new secret',
    });
    expect(decodeURIComponent(ok.headers.get('location')!)).toContain('1 API token was revoked');
    expect((await new Client(h.app).request('/api/accounts', bearer)).status).toBe(401);
    expect(await h.store.db.selectFrom('web_api_tokens').selectAll().execute()).toEqual([]);
  });
});

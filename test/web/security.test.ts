/**
 * HTTP-level security: every state-changing route of the app (enumerated from the Hono app, so a
 * new route cannot escape) refuses a request without a session and a request without the CSRF
 * token or from another origin.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createHarness, setupFirstUser, type Harness } from './harness.js';

let h: Harness;
let admin: Client;
beforeAll(async () => {
  h = await createHarness();
  admin = await setupFirstUser(h.app);
});
afterAll(async () => {
  await h.close();
});

/** Routes that are public by design (before login). */
const PUBLIC = new Set(['/login', '/setup']);
/** Authenticated by its own secret, not cookies (tested in api tests; SimpleFIN's one-time claim code in simplefin.e2e). */
const OWN_AUTH = new Set(['/autoimport', '/simplefin/claim/:code', '/simplefin/claim/:code/']);

const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, () => randomUUID()).replace(/\*$/, 'x');

function changingRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return h.app.routes
    .filter((r) => !['ALL', 'GET', 'HEAD', 'OPTIONS'].includes(r.method))
    .filter((r) => !OWN_AUTH.has(r.path))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ method: r.method, path: r.path }));
}

describe('every state-changing route', () => {
  it('exists (the enumeration found the app routes)', () => {
    const routes = changingRoutes().map((r) => r.path);
    expect(routes).toEqual(
      expect.arrayContaining(['/login', '/setup', '/logout', '/settings/sophtron', '/family/users']),
    );
  });

  it('refuses an unauthenticated request even with a valid pre-session CSRF token', async () => {
    for (const r of changingRoutes()) {
      if (PUBLIC.has(r.path)) continue;
      const anon = new Client(h.app);
      await anon.page('/login');
      expect(anon.csrf).not.toBe('');
      const res = await anon.request(concrete(r.path), {
        method: r.method,
        form: { _csrf: anon.csrf },
      });
      expect([401, 403], `${r.method} ${r.path} → ${res.status}`).toContain(res.status);
    }
  });

  it('refuses a logged-in request without the CSRF token, with a wrong one, or from another origin', async () => {
    for (const r of changingRoutes()) {
      const path = concrete(r.path);
      const none = await admin.request(path, { method: r.method, form: { name: 'x' } });
      expect(none.status, `${r.method} ${r.path} without token`).toBe(403);
      const wrong = await admin.request(path, { method: r.method, form: { _csrf: 'A'.repeat(43) } });
      expect(wrong.status, `${r.method} ${r.path} wrong token`).toBe(403);
      const header = await admin.request(path, {
        method: r.method,
        headers: { origin: 'https://evil.example', 'x-csrf-token': admin.csrf },
      });
      expect(header.status, `${r.method} ${r.path} other origin`).toBe(403);
    }
  });

  it('accepts the token in the htmx header from the same origin', async () => {
    const res = await admin.request('/settings/time-zone', {
      method: 'POST',
      headers: { 'x-csrf-token': admin.csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'time_zone=Europe%2FParis',
    });
    expect(res.status).toBe(302);
    const fam = await h.store.db.selectFrom('families').select('time_zone').executeTakeFirstOrThrow();
    expect(fam.time_zone).toBe('Europe/Paris');
  });
});

describe('messages and caching', () => {
  it('shows only flash messages the server signed', async () => {
    const forged = await admin.page(
      '/?error=Your%20Firefly%20token%20expired%2C%20enter%20it%20at%20evil.example',
    );
    expect(forged.html).not.toContain('evil.example');
    const res = await admin.post('/settings/time-zone', { time_zone: 'Nowhere/Land' });
    const page = await admin.page(res.headers.get('location')!);
    expect(page.html).toContain('Time zone: is not an IANA time zone');
  });

  it('marks logged-in pages no-store', async () => {
    const res = await admin.request('/settings');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('request size', () => {
  it('refuses bodies over 2 MB before reading them', async () => {
    const res = await admin.request('/import/start', {
      method: 'POST',
      headers: { 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: 'x'.repeat(2 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
  });
});

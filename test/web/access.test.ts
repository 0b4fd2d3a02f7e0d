/**
 * Who may do what: every route of the app (enumerated from the Hono app, so a new route cannot
 * escape) has a declared access in src/web/auth/access.ts, and the app enforces exactly that:
 * a family member is refused every administrator route, a visitor every route that needs a login.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS, routeKey } from '../../src/web/auth/access.js';
import { Client, createHarness, login, PASSWORD, setupFirstUser, type Harness } from './harness.js';

let h: Harness;
let admin: Client;
let member: Client;
beforeAll(async () => {
  h = await createHarness();
  admin = await setupFirstUser(h.app);
  await admin.page('/family');
  const added = await admin.post('/family/users', { username: 'kid', password: PASSWORD, role: 'member' });
  expect(added.status).toBe(302);
  member = await login(h.app, 'kid');
});
afterAll(async () => {
  await h.close();
});

function appRoutes(): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of h.app.routes)
    if (r.method !== 'ALL') seen.set(routeKey(r.method, r.path), { method: r.method, path: r.path });
  return [...seen.values()];
}
const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, () => randomUUID());
const send = (client: Client, r: { method: string; path: string }) =>
  r.method === 'GET'
    ? client.request(concrete(r.path))
    : client.request(concrete(r.path), { method: r.method, form: { _csrf: client.csrf } });

describe('route access', () => {
  it('is declared for every route of the app, and only for routes that exist', () => {
    const keys = appRoutes().map((r) => routeKey(r.method, r.path));
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => !(k in ROUTE_ACCESS))).toEqual([]);
    expect(Object.keys(ROUTE_ACCESS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('keeps the tests of connections and channels to administrators', () => {
    for (const k of [
      'POST /settings/sophtron/test',
      'POST /settings/firefly/test',
      'POST /schedule/notify/test',
    ])
      expect(ROUTE_ACCESS[k], k).toBe('admin');
  });

  it('refuses a family member every administrator route (403) and lets them reach member routes', async () => {
    for (const r of appRoutes()) {
      const access = ROUTE_ACCESS[routeKey(r.method, r.path)];
      // Public routes answer for themselves; logging out would end the member's session here.
      if (access === 'public' || access === 'own-secret' || r.path === '/logout') continue;
      const res = await send(member, r);
      const label = `${r.method} ${r.path} (${access}) → ${res.status}`;
      if (access === 'admin') expect(res.status, label).toBe(403);
      else if (access === 'instance-admin') expect(res.status, label).toBe(404);
      else expect([401, 403], label).not.toContain(res.status);
    }
  });

  it('lets an administrator reach administrator routes', async () => {
    for (const r of appRoutes()) {
      const access = ROUTE_ACCESS[routeKey(r.method, r.path)];
      if (access !== 'admin' && access !== 'instance-admin') continue;
      const res = await send(admin, r);
      expect([401, 403], `${r.method} ${r.path} → ${res.status}`).not.toContain(res.status);
    }
  });

  it('asks a visitor to log in on every route that is not public', async () => {
    const visitor = new Client(h.app);
    await visitor.page('/login');
    for (const r of appRoutes()) {
      const access = ROUTE_ACCESS[routeKey(r.method, r.path)];
      if (access === 'public' || access === 'own-secret') continue;
      const res = await send(visitor, r);
      const label = `${r.method} ${r.path} → ${res.status}`;
      if (r.method === 'GET' && !r.path.startsWith('/api/')) {
        expect(res.status, label).toBe(302);
        expect(res.headers.get('location'), label).toBe('/login');
      } else expect(res.status, label).toBe(401);
    }
  });
});

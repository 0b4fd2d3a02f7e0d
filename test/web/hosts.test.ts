/**
 * DNS rebinding: the server answers only to its own names (the bound address, localhost,
 * PUBLIC_URL's host, ALLOWED_HOSTS; any IP address when it listens on all of them) and refuses
 * any other Host with 421; the Origin of a change is checked against those names, not against
 * the Host header the request itself brought.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, createHarness, PASSWORD, setupFirstUser, type Harness } from './harness.js';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
const harness = async (env: Record<string, string> = {}) => {
  const h = await createHarness({ env });
  open.push(h);
  return h;
};
const loginAt = async (h: Harness, origin: string): Promise<Client> => {
  const c = new Client(h.app, origin);
  await c.page('/login');
  const res = await c.post('/login', { username: 'alice', password: PASSWORD });
  expect(res.status, `login at ${origin}`).toBe(302);
  await c.page('/settings');
  return c;
};

describe('the Host header', () => {
  it('is refused with 421 for a name that is not the server’s, before anything runs', async () => {
    const h = await harness();
    await setupFirstUser(h.app);
    const rebound = new Client(h.app, 'http://attacker.example:8080');
    const page = await rebound.request('/login');
    expect(page.status).toBe(421);
    expect(await page.text()).toContain('ALLOWED_HOSTS');
    // A rebinding page posts with its own name as Host and Origin: refused too, nothing happens.
    const post = await rebound.request('/login', { form: { username: 'alice', password: PASSWORD } });
    expect(post.status).toBe(421);
    expect(post.headers.getSetCookie()).toEqual([]);
    // The health check answers whatever the name (a container probe uses the service's).
    expect((await rebound.request('/healthz')).status).toBe(200);
  });

  it('accepts localhost and the bound address by default, with or without a port', async () => {
    const h = await harness({ HOST: '127.0.0.1' });
    for (const origin of [
      'http://localhost',
      'http://localhost:8080',
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
    ])
      expect((await new Client(h.app, origin).request('/setup')).status, origin).toBe(200);
    expect((await new Client(h.app, 'http://192.168.1.20:8080').request('/setup')).status).toBe(421);
  });

  it('accepts PUBLIC_URL’s host and the names in ALLOWED_HOSTS', async () => {
    const h = await harness({ PUBLIC_URL: 'https://money.example.org', ALLOWED_HOSTS: 'nas.home, Sync.LAN' });
    for (const origin of ['https://money.example.org', 'http://nas.home:8080', 'http://sync.lan'])
      expect((await new Client(h.app, origin).request('/setup')).status, origin).toBe(200);
    expect((await new Client(h.app, 'http://other.lan').request('/setup')).status).toBe(421);
  });

  it('accepts any IP address when the server listens on all of them (an address cannot be rebound)', async () => {
    const h = await harness({ HOST: '0.0.0.0' });
    expect((await new Client(h.app, 'http://192.168.1.20:8080').request('/setup')).status).toBe(200);
    expect((await new Client(h.app, 'http://attacker.example').request('/setup')).status).toBe(421);
  });
});

describe('the Origin of a change', () => {
  it('is compared with the server’s names: PUBLIC_URL behind a proxy that sends its own Host', async () => {
    const h = await harness({ PUBLIC_URL: 'https://money.example.org' });
    await setupFirstUser(h.app);
    const c = await loginAt(h, 'http://localhost');
    const viaProxy = await c.request('/settings/time-zone', {
      form: { _csrf: c.csrf, time_zone: 'Europe/Paris' },
      headers: { origin: 'https://money.example.org' },
    });
    expect(viaProxy.status).toBe(302);
    const elsewhere = await c.request('/settings/time-zone', {
      form: { _csrf: c.csrf, time_zone: 'Europe/Berlin' },
      headers: { origin: 'https://attacker.example' },
    });
    expect(elsewhere.status).toBe(403);
    const fam = await h.store.db.selectFrom('families').select('time_zone').executeTakeFirstOrThrow();
    expect(fam.time_zone).toBe('Europe/Paris');
  });

  it('from an IP address must be the address the request went to', async () => {
    const h = await harness({ HOST: '0.0.0.0' });
    await setupFirstUser(h.app);
    const c = await loginAt(h, 'http://192.168.1.20:8080');
    const same = await c.request('/settings/time-zone', {
      form: { _csrf: c.csrf, time_zone: 'Europe/Paris' },
    });
    expect(same.status).toBe(302);
    const other = await c.request('/settings/time-zone', {
      form: { _csrf: c.csrf, time_zone: 'Europe/Berlin' },
      headers: { origin: 'http://6.6.6.6' },
    });
    expect(other.status).toBe(403);
  });
});

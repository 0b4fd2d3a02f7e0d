/**
 * Login throttling (src/web/auth/throttle.ts): keyed on (address, user name) plus the address
 * alone, with delays that grow, kept in the database; a lock never keeps the right password out
 * when it comes from a device that logged in before or from the person's own session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWebApp } from '../../src/web/server.js';
import { createLogger } from '../../src/log.js';
import { createWebServices } from '../../src/web/wiring.js';
import {
  Client,
  createHarness,
  login,
  PASSWORD,
  SETUP_CODE,
  setupFirstUser,
  type Harness,
} from './harness.js';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
let clock = Date.parse('2026-12-04T10:00:00Z');
const now = () => clock;
const harness = async (env: Record<string, string> = {}) => {
  const h = await createHarness({ env, now });
  open.push(h);
  return h;
};

/** A client that has never logged in (no device cookie), optionally behind a proxy's address. */
const stranger = async (h: Harness, forwardedFor?: string) => {
  const c = new Client(h.app);
  await c.page('/login');
  const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  return {
    client: c,
    attempt: (username: string, password: string) =>
      c.request('/login', { form: { _csrf: c.csrf, username, password }, headers }),
  };
};
const waitSeconds = async (res: Response) => {
  expect(res.status).toBe(429);
  const retry = Number(res.headers.get('retry-after'));
  expect(retry).toBeGreaterThan(0);
  expect(await res.text()).toMatch(/Too many failed logins/);
  return retry;
};

describe('login throttling', () => {
  it('throttles 20 wrong passwords from one address, for one user name and across names', async () => {
    const h = await harness();
    await setupFirstUser(h.app);
    const s = await stranger(h);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await s.attempt('alice', `wrong-${i}-password`)).status);
    expect(statuses.slice(0, 3)).toEqual([403, 403, 403]);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThanOrEqual(15);
    // Locked for this stranger, even with the right password.
    await waitSeconds(await s.attempt('alice', PASSWORD));

    // Spraying many user names from one address is throttled too.
    const h2 = await harness();
    await setupFirstUser(h2.app);
    const spray = await stranger(h2);
    const sprayed: number[] = [];
    for (let i = 0; i < 20; i++) sprayed.push((await spray.attempt(`user${i}`, 'guess-guess-guess')).status);
    expect(sprayed.slice(0, 10).every((x) => x === 403)).toBe(true);
    expect(sprayed.at(-1)).toBe(429);
  });

  it('makes the delays grow, and lets a person try again once a delay has passed', async () => {
    const h = await harness();
    await setupFirstUser(h.app);
    const s = await stranger(h);
    for (let i = 0; i < 3; i++) expect((await s.attempt('alice', 'nope-nope-nope')).status).toBe(403);
    expect((await s.attempt('alice', 'nope-nope-nope')).status).toBe(403); // the 4th starts a delay
    const first = await waitSeconds(await s.attempt('alice', PASSWORD));
    clock += first * 1000;
    expect((await s.attempt('alice', 'nope-nope-nope')).status).toBe(403);
    const second = await waitSeconds(await s.attempt('alice', PASSWORD));
    expect(second).toBeGreaterThan(first);
    clock += second * 1000;
    expect((await s.attempt('alice', PASSWORD)).status).toBe(302);
    // The state is in the database (several servers share it), keyed on address and user name.
    const rows = await h.store.db.selectFrom('web_login_attempts').select('key').execute();
    expect(rows.map((r) => r.key)).toContain('address|unknown');
  });

  it('never keeps the right password out of a device that logged in before, or out of a session', async () => {
    const h = await harness();
    await setupFirstUser(h.app);
    const laptop = await login(h.app, 'alice');
    expect(laptop.cookies.has('ss_device')).toBe(true);
    await laptop.post('/logout');
    const phone = await login(h.app, 'alice'); // stays logged in
    phone.cookies.delete('ss_device'); // its session alone must be enough

    const attacker = await stranger(h);
    for (let i = 0; i < 20; i++) await attacker.attempt('alice', `guess-${i}-guess`);
    await waitSeconds(await attacker.attempt('alice', PASSWORD));

    await laptop.page('/login');
    expect((await laptop.post('/login', { username: 'alice', password: PASSWORD })).status).toBe(302);
    await phone.page('/family');
    expect((await phone.post('/login', { username: 'alice', password: PASSWORD })).status).toBe(302);
    // The device's own mistakes are throttled on their own: a stolen laptop cannot guess forever.
    await laptop.page('/family');
    const laptopTries: number[] = [];
    for (let i = 0; i < 20; i++)
      laptopTries.push(
        (await laptop.post('/login', { username: 'alice', password: `laptop-${i}-guess` })).status,
      );
    expect(laptopTries[0]).toBe(403);
    expect(laptopTries.at(-1)).toBe(429);
  });

  it('reads the client address from X-Forwarded-For only with TRUST_PROXY', async () => {
    const plain = await harness();
    await setupFirstUser(plain.app);
    const spoof = await stranger(plain, '203.0.113.1');
    for (let i = 0; i < 6; i++) await spoof.attempt('alice', `guess-${i}-guess`);
    // Another forwarded address changes nothing: the header is not trusted.
    await waitSeconds(await (await stranger(plain, '198.51.100.7')).attempt('alice', PASSWORD));

    const proxied = await harness({ TRUST_PROXY: 'true' });
    await setupFirstUser(proxied.app);
    const a = await stranger(proxied, '10.0.0.9, 203.0.113.1');
    for (let i = 0; i < 6; i++) await a.attempt('alice', `guess-${i}-guess`);
    await waitSeconds(await a.attempt('alice', PASSWORD));
    // The real user behind the same proxy, from another address, is not locked out.
    expect((await (await stranger(proxied, '198.51.100.7')).attempt('alice', PASSWORD)).status).toBe(302);
    const keys = (await proxied.store.db.selectFrom('web_login_attempts').select('key').execute()).map(
      (r) => r.key,
    );
    expect(keys).toContain('pair|203.0.113.1|alice');
  });

  it('is shared by every server on the same database', async () => {
    const h = await harness();
    await setupFirstUser(h.app);
    const second = createWebApp({
      store: h.store,
      config: h.config,
      logger: createLogger('silent'),
      setupCode: SETUP_CODE,
      services: createWebServices(h.store, h.config, null),
      now,
    });
    const s = await stranger(h);
    for (let i = 0; i < 6; i++) await s.attempt('alice', `guess-${i}-guess`);
    const other = new Client(second);
    await other.page('/login');
    await waitSeconds(await other.post('/login', { username: 'alice', password: PASSWORD }));
  });
});

/** Settings: secrets are never shown again, base URLs are https (or loopback), members cannot change them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from './harness.js';
import { createHarness, login, PASSWORD, setupFirstUser, type Harness } from './harness.js';

const KEY = 'c2VjcmV0LWFjY2Vzcy1rZXktZm9yLXRlc3Rz';
let h: Harness;
let admin: Client;

beforeAll(async () => {
  h = await createHarness();
  admin = await setupFirstUser(h.app);
});
afterAll(async () => {
  await h.close();
});

describe('settings', () => {
  it('shows the sandbox until credentials are saved, then only the User ID and "set"', async () => {
    let page = await admin.page('/settings');
    expect(page.html).toContain('this family uses the built-in sandbox');
    expect(page.html).toContain('Sandbox mode: no Sophtron credentials are set');
    const saved = await admin.post('/settings/sophtron', {
      user_id: 'dev-user-42',
      access_key: KEY,
      base_url: '',
    });
    expect(saved.status).toBe(302);
    page = await admin.page('/settings');
    expect(page.html).toContain('dev-user-42');
    expect(page.html).toMatch(/Access Key<\/dt><dd>set/);
    expect(page.html).not.toContain(KEY);
    expect(page.html).not.toContain('Sandbox mode');
    const row = await h.store.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    expect(row.access_key_sealed).not.toContain(KEY);
  });

  it('accepts https or loopback base URLs only, naming the field', async () => {
    const plain = await admin.post('/settings/sophtron', {
      user_id: 'u',
      access_key: KEY,
      base_url: 'http://sophtron.example.com/api',
    });
    // Refused in place: the typed User ID and address stay in the form, the Access Key does not.
    expect(plain.status).toBe(400);
    const refusal = await plain.text();
    expect(refusal).toContain('Base URL: must be an https address');
    expect(refusal).toContain('value="http://sophtron.example.com/api"');
    expect(refusal).toMatch(/name="user_id"[^>]*value="u"/);
    expect(refusal).not.toContain(KEY);
    const loop = await admin.post('/settings/sophtron', {
      user_id: 'u2',
      access_key: KEY,
      base_url: 'http://127.0.0.1:9999/api',
    });
    expect(decodeURIComponent(loop.headers.get('location')!)).toContain('saved');
  });

  it('keeps the Firefly III token hidden and refuses a bad address', async () => {
    const bad = await admin.post('/settings/firefly', { url: 'not a url', token: 'typed-token' });
    expect(bad.status).toBe(400);
    const refusal = await bad.text();
    expect(refusal).toContain('Firefly III address:');
    expect(refusal).toContain('value="not a url"');
    expect(refusal).not.toContain('typed-token');
    await admin.post('/settings/firefly', {
      url: 'http://127.0.0.1:9',
      token: 'very-secret-firefly-token',
    });
    const page = await admin.page('/settings');
    expect(page.html).toContain('http://127.0.0.1:9');
    expect(page.html).not.toContain('very-secret-firefly-token');
    const test = await admin.request('/settings/firefly/test', {
      method: 'POST',
      headers: { 'x-csrf-token': admin.csrf, 'hx-request': 'true' },
    });
    expect(await test.text()).toContain('Firefly III test failed');
  });

  it('lets only administrators change settings', async () => {
    await admin.page('/family');
    expect(
      (await admin.post('/family/users', { username: 'kid', password: PASSWORD, role: 'member' })).status,
    ).toBe(302);
    const member = await login(h.app, 'kid');
    const page = await member.page('/settings');
    expect(page.html).toContain('Only an administrator');
    expect(
      (await member.post('/settings/sophtron', { user_id: 'evil', access_key: KEY, base_url: '' })).status,
    ).toBe(403);
    expect(
      (await member.post('/family/users', { username: 'evil', password: PASSWORD, role: 'admin' })).status,
    ).toBe(403);
    expect((await member.request('/admin/families')).status).toBe(404);
  });
});

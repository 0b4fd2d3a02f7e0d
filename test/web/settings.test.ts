/**
 * Settings: credentials are checked when saved (format, then Sophtron's health call or Firefly
 * III's /about), secrets are never shown again, base URLs are https (or loopback), saved ones can be
 * removed, members cannot change them. The real sandbox is Sophtron, the fake is Firefly III.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startFakeFirefly, type FakeFirefly } from '../fakes/firefly.js';
import type { Client } from './harness.js';
import { createHarness, login, PASSWORD, setupFirstUser, type Harness } from './harness.js';

let KEY = '';
let USER = '';
let sandbox: RunningSandbox;
let firefly: FakeFirefly;
let h: Harness;
let admin: Client;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3 });
  firefly = await startFakeFirefly({ token: 'very-secret-firefly-token' });
  KEY = sandbox.users[0]!.accessKey;
  USER = sandbox.users[0]!.userId;
  h = await createHarness();
  admin = await setupFirstUser(h.app);
});
afterAll(async () => {
  await h.close();
  await firefly.stop();
  await sandbox.close();
});

describe('settings', () => {
  it('shows the sandbox until credentials are saved, then only the User ID and "set"', async () => {
    let page = await admin.page('/settings');
    expect(page.html).toContain('this family uses the built-in sandbox');
    expect(page.html).toContain('Sandbox mode: no Sophtron credentials are set');
    const saved = await admin.post('/settings/sophtron', {
      user_id: USER,
      access_key: KEY,
      base_url: sandbox.baseUrl,
    });
    expect(saved.status).toBe(302);
    page = await admin.page('/settings');
    expect(page.html).toContain(USER);
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
      user_id: USER,
      access_key: KEY,
      base_url: sandbox.baseUrl,
    });
    expect(decodeURIComponent(loop.headers.get('location')!)).toContain('saved');
  });

  it('checks Sophtron credentials on save: the key format first, then Sophtron itself', async () => {
    const notBase64 = await admin.post('/settings/sophtron', {
      user_id: USER,
      access_key: 'not base64 at all!',
      base_url: sandbox.baseUrl,
    });
    expect(notBase64.status).toBe(400);
    const formatRefusal = await notBase64.text();
    expect(formatRefusal).toContain('Sophtron Access Key: is not base64 text');
    expect(formatRefusal).toMatch(new RegExp(`name="user_id"[^>]*value="${USER}"`));
    expect(formatRefusal).toContain(`value="${sandbox.baseUrl}"`);
    expect(formatRefusal).not.toContain('not base64 at all!');

    const wrongKey = Buffer.from('a key Sophtron never issued').toString('base64');
    const rejected = await admin.post('/settings/sophtron', {
      user_id: USER,
      access_key: wrongKey,
      base_url: sandbox.baseUrl,
    });
    expect(rejected.status).toBe(400);
    const refusal = await rejected.text();
    expect(refusal).toContain('Sophtron refused these credentials');
    expect(refusal).not.toContain(wrongKey);
    expect(refusal).not.toContain('credentials saved');
    // The credentials saved before are still the family's.
    const stored = await h.store.getCredentials((await h.store.listFamilies())[0]!.id);
    expect(stored?.accessKey).toBe(KEY);
  });

  it('removes saved Sophtron credentials: back to the sandbox', async () => {
    let page = await admin.page('/settings');
    expect(page.html).toContain('Remove the saved credentials');
    const removed = await admin.post('/settings/sophtron/remove');
    expect(decodeURIComponent(removed.headers.get('location')!)).toContain('Sophtron credentials removed');
    page = await admin.page('/settings');
    expect(page.html).toContain('this family uses the built-in sandbox');
    expect(page.html).not.toContain('Remove the saved credentials');
    expect(await h.store.getCredentials((await h.store.listFamilies())[0]!.id)).toBeUndefined();
  });

  it('keeps the Firefly III token hidden, checks it with /about on save, and can remove it', async () => {
    const bad = await admin.post('/settings/firefly', { url: 'not a url', token: 'typed-token' });
    expect(bad.status).toBe(400);
    const refusal = await bad.text();
    expect(refusal).toContain('Firefly III address:');
    expect(refusal).toContain('value="not a url"');
    expect(refusal).not.toContain('typed-token');

    const unreachable = await admin.post('/settings/firefly', {
      url: 'http://127.0.0.1:9',
      token: 'very-secret-firefly-token',
    });
    expect(unreachable.status).toBe(400);
    const unreachableText = await unreachable.text();
    expect(unreachableText).toContain('Firefly III did not answer');
    expect(unreachableText).toContain('value="http://127.0.0.1:9"');
    expect(unreachableText).not.toContain('very-secret-firefly-token');

    const wrongToken = await admin.post('/settings/firefly', { url: firefly.url, token: 'wrong-token' });
    expect(wrongToken.status).toBe(400);
    expect(await wrongToken.text()).toContain('Firefly III did not accept');

    const ok = await admin.post('/settings/firefly', { url: firefly.url, token: firefly.token });
    expect(decodeURIComponent(ok.headers.get('location')!)).toContain('Firefly III connection saved');
    let page = await admin.page('/settings');
    expect(page.html).toContain(firefly.url);
    expect(page.html).not.toContain('very-secret-firefly-token');
    const test = await admin.request('/settings/firefly/test', {
      method: 'POST',
      headers: { 'x-csrf-token': admin.csrf, 'hx-request': 'true' },
    });
    expect(await test.text()).toContain('Connected to Firefly III');

    const removed = await admin.post('/settings/firefly/remove');
    expect(decodeURIComponent(removed.headers.get('location')!)).toContain('Firefly III connection removed');
    page = await admin.page('/settings');
    expect(page.html).toContain('Not connected yet.');
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

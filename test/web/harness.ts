/**
 * Test harness for the web application: a real SQLite store in a temporary folder, the Hono app,
 * and a tiny cookie-keeping client over app.request (or a real server for browser tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { SandboxInfo, WebApp } from '../../src/web/context.js';
import { createWebApp } from '../../src/web/server.js';
import type { WebServices } from '../../src/web/services.js';
import { createWebServices } from '../../src/web/wiring.js';
import { until } from '../helpers/until.js';

export const SETUP_CODE = 'ABCD-EFGH-JKLM';
export const PASSWORD = 'correct horse battery';

export interface Harness {
  app: WebApp;
  store: Store;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

export async function createHarness(
  opts: {
    env?: Record<string, string>;
    sandbox?: SandboxInfo | null;
    services?: Partial<WebServices>;
    /** The web app's clock (login throttling), for tests that let time pass. */
    now?: () => number;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'ss-web-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...opts.env });
  const store = await openStore(config);
  const logger = createLogger('silent');
  const services = { ...createWebServices(store, config, opts.sandbox ?? null, logger), ...opts.services };
  const app = createWebApp({
    store,
    config,
    logger,
    setupCode: SETUP_CODE,
    services,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return {
    app,
    store,
    config,
    dir,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a Client sends requests to: the app itself, or a real server over HTTP (`overHttp`). */
export interface RequestTarget {
  request(url: string, init: RequestInit): Response | Promise<Response>;
}

/** A server listening at `origin`, reached with fetch (for `serve` processes). */
export const overHttp = (): RequestTarget => ({
  request: (url, init) => {
    const headers = new Headers(init.headers);
    headers.delete('host'); // fetch sets it from the URL
    return fetch(url, { ...init, headers });
  },
});

/** A browser-like client: keeps cookies, sends same-origin Origin headers, remembers the CSRF token. */
export class Client {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(
    readonly app: RequestTarget,
    readonly origin = 'http://localhost',
  ) {}

  async request(
    path: string,
    init: RequestInit & { form?: Record<string, string | string[]> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('host', new URL(this.origin).host);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    let body = init.body;
    if (init.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(init.form))
        for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
      body = params.toString();
      headers.set('content-type', 'application/x-www-form-urlencoded');
    }
    const method = init.method ?? (init.form ? 'POST' : 'GET');
    if (method !== 'GET' && !headers.has('origin')) headers.set('origin', this.origin);
    const res = await this.app.request(`${this.origin}${path}`, {
      ...init,
      method,
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** GET a page and remember the CSRF token its forms carry. */
  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1]!;
    return { res, html };
  }

  /** POST a form with the remembered CSRF token. */
  post(path: string, form: Record<string, string | string[]> = {}): Promise<Response> {
    return this.request(path, { form: { _csrf: this.csrf, ...form } });
  }
}

/** First-run setup through the page: returns a logged-in client of the first (instance admin) user. */
export async function setupFirstUser(app: WebApp, username = 'alice'): Promise<Client> {
  const client = new Client(app);
  await client.page('/setup');
  const res = await client.post('/setup', {
    code: SETUP_CODE,
    family: 'Alice family',
    time_zone: 'UTC',
    username,
    password: PASSWORD,
    password2: PASSWORD,
  });
  if (res.status !== 302) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  await client.page('/');
  return client;
}

export async function login(app: WebApp, username: string, password = PASSWORD): Promise<Client> {
  const client = new Client(app);
  await client.page('/login');
  const res = await client.post('/login', { username, password });
  if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
  await client.page('/');
  return client;
}

/** Asks a connect session's live part until it matches `pattern` (fails on an error flash). */
export function waitForState(client: Client, sessionId: string, pattern: RegExp): Promise<string> {
  return until(`${pattern}`, async () => {
    const res = await client.request(`/connect/session/${sessionId}/state`, {
      headers: { 'hx-request': 'true' },
    });
    const html = await res.text();
    if (/flash error/.test(html)) throw new Error(`connect failed: ${html}`);
    return pattern.test(html) && html;
  });
}

/** Reads a task's server-sent events until its `done` event. */
export async function readSse(client: Client, path: string): Promise<string> {
  const res = await client.request(path);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    if (text.includes('event: done')) break;
  }
  await reader.cancel().catch(() => undefined);
  return text;
}

/** The challenge round a connect page's answer form carries. */
export const seqOf = (html: string) => /name="seq" value="(\d+)"/.exec(html)![1]!;

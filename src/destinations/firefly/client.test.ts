import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import {
  FireflyAuthError,
  FireflyClient,
  FireflyUnknownOutcomeError,
  FireflyUnreachableError,
  versionAtLeast,
} from './client.js';

let server: Server | null = null;
async function stop() {
  const s = server;
  server = null;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
}
afterEach(stop);

/** A server answering from a script, one entry per request; records what it was sent. */
async function scripted(answers: ({ status: number; body?: unknown } | 'hang')[]) {
  const seen: { method: string; url: string; headers: Record<string, unknown> }[] = [];
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const a = answers.shift() ?? { status: 500 };
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  return {
    seen,
    client: new FireflyClient({
      baseUrl: url,
      token: 'tok-123',
      timeoutMs: 200,
      retries: 3,
      retryDelayMs: 1,
    }),
  };
}

const about = { status: 200, body: { data: { version: '6.1.0', api_version: '6.1.0' } } };

it('retries a GET after 5xx and timeouts, with the headers Firefly needs', async () => {
  const { seen, client } = await scripted([{ status: 503 }, 'hang', about]);
  expect(await client.checkVersion()).toBe('6.1.0');
  expect(seen).toHaveLength(3);
  expect(seen[0]!.headers).toMatchObject({
    accept: 'application/json',
    'content-type': 'application/json',
    authorization: 'Bearer tok-123',
  });
});

it('gives up on a GET with a clear error, and never retries a POST that may have landed', async () => {
  const a = await scripted([{ status: 502 }, { status: 502 }, { status: 502 }]);
  await expect(a.client.about()).rejects.toThrow(/HTTP 502/);
  expect(a.seen).toHaveLength(3);
  await stop();

  const b = await scripted(['hang']);
  const err = await b.client.storeTransaction({ transactions: [] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FireflyUnknownOutcomeError);
  expect(b.seen).toHaveLength(1);
  await stop();

  const c = await scripted([{ status: 500, body: { message: 'Internal Firefly III Exception: boom' } }]);
  await expect(c.client.storeTransaction({ transactions: [] })).rejects.toBeInstanceOf(
    FireflyUnknownOutcomeError,
  );
  expect(c.seen).toHaveLength(1);
});

it('says the token is wrong on 401 without showing it, and that Firefly is unreachable', async () => {
  const { client } = await scripted([{ status: 401, body: { message: 'Unauthenticated' } }]);
  const err = await client.about().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FireflyAuthError);
  expect(String(err)).not.toContain('tok-123');
  const gone = new FireflyClient({ baseUrl: 'http://127.0.0.1:9', token: 't', retries: 2, retryDelayMs: 1 });
  await expect(gone.about()).rejects.toBeInstanceOf(FireflyUnreachableError);
});

it('compares versions', () => {
  expect(versionAtLeast('6.0.0', '6.0.0')).toBe(true);
  expect(versionAtLeast('v6.1.22', '6.0.0')).toBe(true);
  expect(versionAtLeast('5.7.18', '6.0.0')).toBe(false);
  expect(versionAtLeast('develop', '6.0.0')).toBe(true);
  expect(versionAtLeast('10.0.0', '6.0.0')).toBe(true);
});

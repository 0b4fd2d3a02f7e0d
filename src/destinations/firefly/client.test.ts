import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import {
  FireflyAuthError,
  FireflyClient,
  FireflyRateLimitedError,
  FireflyUnknownOutcomeError,
  type FireflyClientOptions,
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
type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

async function scripted(answers: Answer[], options: Partial<FireflyClientOptions> = {}) {
  const seen: { method: string; url: string; headers: Record<string, unknown> }[] = [];
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const a = answers.shift() ?? { status: 500 };
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
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
      retryDelayMs: 1,
      retryBudgetMs: 1_000,
      ...options,
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
  let clock = 0;
  const a = await scripted([{ status: 502 }, { status: 502 }, { status: 502 }], {
    // Waits of ~1 s then ~2 s fit in the budget; the third (~4 s) does not.
    retryBudgetMs: 3_500,
    retryDelayMs: 1_000,
    random: () => 0.999,
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
  });
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
  const gone = new FireflyClient({
    baseUrl: 'http://127.0.0.1:9',
    token: 't',
    retryBudgetMs: 10,
    retryDelayMs: 1,
  });
  await expect(gone.about()).rejects.toBeInstanceOf(FireflyUnreachableError);
});

it('compares versions', () => {
  expect(versionAtLeast('6.0.0', '6.0.0')).toBe(true);
  expect(versionAtLeast('v6.1.22', '6.0.0')).toBe(true);
  expect(versionAtLeast('5.7.18', '6.0.0')).toBe(false);
  expect(versionAtLeast('develop', '6.0.0')).toBe(true);
  expect(versionAtLeast('10.0.0', '6.0.0')).toBe(true);
});

/** A clock that only moves when the client waits: what it asked to wait, with no real time spent. */
function fakeTime() {
  const t = { now: 1_700_000_000_000, waits: [] as number[] };
  return {
    t,
    options: {
      now: () => t.now,
      sleep: (ms: number) => {
        t.waits.push(ms);
        t.now += ms;
        return Promise.resolve();
      },
      random: () => 0,
    },
  };
}

it('waits as long as Retry-After asks (seconds or an HTTP date), never less', async () => {
  const { t, options } = fakeTime();
  const date = new Date(t.now + 4_000).toUTCString();
  const { seen, client } = await scripted(
    [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': date } },
      about,
    ],
    { ...options, retryBudgetMs: 60_000 },
  );
  expect(await client.checkVersion()).toBe('6.1.0');
  expect(seen).toHaveLength(3);
  expect(t.waits[0]).toBeGreaterThanOrEqual(2_000);
  // The date is whole seconds: at least until that second begins.
  expect(t.now).toBeGreaterThanOrEqual(Date.parse(date));
});

it('retries a POST answered 429 (Firefly did not process it)', async () => {
  const { t, options } = fakeTime();
  const group = {
    data: {
      id: '7',
      attributes: { transactions: [{ type: 'withdrawal', amount: '1.00', external_id: 'e' }] },
    },
  };
  const { seen, client } = await scripted(
    [
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, body: group },
    ],
    { ...options, retryBudgetMs: 60_000 },
  );
  const stored = await client.storeTransaction({ transactions: [] });
  expect(stored).toEqual({ created: expect.objectContaining({ groupId: '7' }) });
  expect(seen.map((s) => s.method)).toEqual(['POST', 'POST']);
  expect(t.waits).toEqual([1_000]);
});

it('ends with a clear message when Firefly asks to wait longer than the retry budget', async () => {
  const { t, options } = fakeTime();
  const { seen, client } = await scripted([{ status: 429, headers: { 'retry-after': '3600' } }], {
    ...options,
    retryBudgetMs: 60_000,
  });
  const err = await client.about().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FireflyRateLimitedError);
  expect(String(err)).toMatch(/asks to wait 3600 s.*retry budget of 60 s/);
  expect(seen).toHaveLength(1);
  expect(t.waits).toEqual([]);
});

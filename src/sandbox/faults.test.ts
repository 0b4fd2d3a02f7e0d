/** Every fault kind, scripted per endpoint and random by rate, over real HTTP. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultList } from './faults.js';
import { startSandbox, type RunningSandbox } from './index.js';
import { authHeader, call, fetchJson } from './test-helpers.js';

const processResponse = globalThis.Response;
let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ pollsPerStep: 1, controlApi: true, bigAccount: false });
});
afterAll(() => sb.close());
const health = () => call(sb.baseUrl, sb.users[0]!, 'GET', 'Institution/HealthCheckAuth');

/** A raw HTTP GET that reports what arrived, even when the connection breaks mid-body. */
function rawGet(
  path: string,
): Promise<{ status?: number; declared?: number; received: number; error?: string }> {
  const url = `${sb.baseUrl}/${path}`;
  return new Promise((resolve) => {
    let received = 0;
    let status: number | undefined;
    let declared: number | undefined;
    const req = http.get(
      url,
      { headers: { authorization: authHeader('GET', url, sb.users[0]!) }, agent: false },
      (res) => {
        status = res.statusCode;
        declared = Number(res.headers['content-length']);
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => resolve({ status, declared, received }));
        res.on('error', (e) => resolve({ status, declared, received, error: e.message }));
        res.on('aborted', () => resolve({ status, declared, received, error: 'aborted' }));
      },
    );
    req.on('error', (e) => resolve({ status, declared, received, error: e.message }));
  });
}

describe('scripted faults', () => {
  it('429 with Retry-After for the next N calls of one endpoint only, counted in the request log', async () => {
    sb.control.resetCounts();
    sb.control.scriptFault({ endpoint: 'HealthCheckAuth', kind: '429', count: 2, retryAfter: 1 });
    const first = await health();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    // Another endpoint is not affected.
    expect(
      (
        await call(sb.baseUrl, sb.users[0]!, 'POST', 'Institution/GetInstitutionByName', {
          InstitutionName: 'x',
        })
      ).status,
    ).toBe(200);
    expect((await health()).status).toBe(429);
    expect((await health()).status).toBe(200);
    expect(sb.control.requestCounts()['Institution/HealthCheckAuth']).toBe(3);
    const log = sb.control.requestLog().filter((e) => e.endpoint === 'Institution/HealthCheckAuth');
    expect(log.map((e) => [e.status, e.fault])).toEqual([
      [429, '429'],
      [429, '429'],
      [200, null],
    ]);
    sb.control.resetCounts();
    expect(sb.control.requestCounts()).toEqual({});
  });

  it.each(['500', '503'] as const)('%s with an ASP.NET-like body', async (kind) => {
    sb.control.scriptFault({ endpoint: 'Institution/HealthCheckAuth', kind, count: 1 });
    const r = await health();
    expect(r.status).toBe(Number(kind));
    expect(r.json.Message).toBeTruthy();
  });

  it('delay holds the answer back', async () => {
    sb.control.scriptFault({ endpoint: 'HealthCheckAuth', kind: 'delay', count: 1, delayMs: 300 });
    const t = Date.now();
    expect((await health()).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
  });

  it('reset drops the connection without an answer', async () => {
    sb.control.scriptFault({ endpoint: 'HealthCheckAuth', kind: 'reset', count: 1 });
    const r = await rawGet('Institution/HealthCheckAuth');
    expect(r.status).toBeUndefined();
    expect(r.error).toBeTruthy();
    await expect(health()).resolves.toMatchObject({ status: 200 });
  });

  it('malformed JSON: 200 with a body no parser accepts', async () => {
    sb.control.scriptFault({ endpoint: 'GetInstitutionByName', kind: 'malformed', count: 1 });
    const r = await call(sb.baseUrl, sb.users[0]!, 'POST', 'Institution/GetInstitutionByName', {
      InstitutionName: 'sophtron',
    });
    expect(r.status).toBe(200);
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('truncated body: Content-Length promises more than arrives', async () => {
    sb.control.scriptFault({ endpoint: 'HealthCheckAuth', kind: 'truncate', count: 1 });
    const r = await rawGet('Institution/HealthCheckAuth');
    expect(r.status).toBe(200);
    expect(r.received).toBeLessThan(r.declared!);
    expect(r.error).toBeTruthy();
    // fetch fails too.
    sb.control.scriptFault({ endpoint: 'HealthCheckAuth', kind: 'truncate', count: 1 });
    await expect(health()).rejects.toThrow();
  });

  it("leaves the process's Response class alone, so the reset and truncate answers hold in any process", async () => {
    expect((await health()).status).toBe(200);
    expect(globalThis.Response).toBe(processResponse);
  });

  it('faults can be scripted over the control API', async () => {
    const res = await fetch(`${sb.controlUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ endpoint: 'Institution/HealthCheckAuth', kind: '503', count: 1 }),
    });
    expect(res.status).toBe(201);
    expect((await health()).status).toBe(503);
    const bad = await fetch(`${sb.controlUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ endpoint: 'x', kind: '418' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/kind/);
    const counts = await fetchJson(`${sb.controlUrl}/requests/counts`);
    expect(counts['Institution/HealthCheckAuth']).toBeGreaterThan(0);
  });
});

describe('random faults by rate', () => {
  it('hit about the configured share of calls, reproducibly for a seed', async () => {
    const rated = await startSandbox({
      pollsPerStep: 1,
      seed: 5,
      faults: { '429': 0.3, '500': 0.2 },
      bigAccount: false,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++)
        statuses.push(
          (await call(rated.baseUrl, rated.users[0]!, 'GET', 'Institution/HealthCheckAuth')).status,
        );
      const share = (s: number) => statuses.filter((x) => x === s).length / statuses.length;
      expect(share(429)).toBeGreaterThan(0.18);
      expect(share(429)).toBeLessThan(0.42);
      expect(share(500)).toBeGreaterThan(0.1);
      expect(share(500)).toBeLessThan(0.3);
      expect(share(200)).toBeGreaterThan(0.35);
    } finally {
      await rated.close();
    }
  });

  it('each kind can be drawn at random', () => {
    for (const kind of ['429', '500', '503', 'delay', 'reset', 'malformed', 'truncate'] as const) {
      const f = new FaultInjector({ [kind]: 1 }, 1);
      expect(f.decide('Institution/HealthCheckAuth', '/api/institution/healthcheckauth')?.kind).toBe(kind);
    }
  });

  it('a random truncate and reset break the exchange over HTTP', async () => {
    const broken = await startSandbox({
      pollsPerStep: 1,
      faults: { truncate: 0.5, reset: 0.5 },
      bigAccount: false,
    });
    try {
      await expect(
        call(broken.baseUrl, broken.users[0]!, 'GET', 'Institution/HealthCheckAuth'),
      ).rejects.toThrow();
    } finally {
      await broken.close();
    }
  });

  it('the CLI form of rates is checked', () => {
    expect(parseFaultList('429=0.2,500=0.1,truncate=0.05')).toEqual({
      '429': 0.2,
      '500': 0.1,
      truncate: 0.05,
    });
    expect(() => parseFaultList('429=2')).toThrow(/429/);
    expect(() => parseFaultList('teapot=0.1')).toThrow(/teapot|Unrecognized/i);
    expect(() => parseFaultList('429')).toThrow(/kind=rate/);
    expect(() => parseFaultList('429=0.7,500=0.7')).toThrow(/more than 1/);
  });
});

/**
 * Two `serve` processes on one PostgreSQL ledger, against the real sandbox over HTTP, reached by
 * one person's browser (one cookie) as a proxy without sticky sessions would send it: a bank
 * connect started on the first server is answered, challenge by challenge, through the second,
 * and completes (accounts linked) as both servers show; a sync started on the first is followed
 * to its end from the second.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOPHTRON_BANK_ID, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { cliArgs, REPO_ROOT } from '../helpers/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { sandboxCliEnv } from '../helpers/sandbox-family.js';
import { until } from '../helpers/until.js';
import { Client, overHttp, PASSWORD, readSse, seqOf, waitForState } from './harness.js';

interface Serve {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  setupCode: string;
  exited: Promise<number | null>;
  output: () => string;
}

let sandbox: RunningSandbox;
let database: TestDatabase;
const secretKey = randomBytes(32).toString('base64');
const servers: Serve[] = [];

async function startServe(): Promise<Serve> {
  const proc = spawn(process.execPath, cliArgs(['serve', '--port', '0']), {
    cwd: REPO_ROOT,
    env: sandboxCliEnv(sandbox, database.dataDir, {
      ...database.env,
      SECRET_KEY: secretKey,
      LOG_LEVEL: 'warn',
    }),
  });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  // Both start before anyone has set up, so each prints a setup code: its last start-up line,
  // which may arrive in a later chunk than the address.
  const [, url, setupCode] = await until('serve to print its address and setup code', () => {
    if (proc.exitCode !== null) throw new Error(`serve exited: ${out}`);
    return /running at (http:\/\/\S+)\n[\s\S]*setup code (\S+)\n/.exec(out) ?? undefined;
  });
  const serve: Serve = {
    proc,
    url: url!.replace('localhost', '127.0.0.1'),
    setupCode: setupCode!,
    exited,
    output: () => out,
  };
  servers.push(serve);
  return serve;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, pollsPerStep: 1, seed: 13 });
  database = await createTestDatabase('postgres');
});

afterAll(async () => {
  for (const s of servers) {
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }
  await database?.dispose();
  await sandbox?.close();
});

/** The same browser (its cookie and form token) talking to another server. */
function sameBrowserOn(client: Client, serve: Serve): Client {
  const other = new Client(overHttp(), serve.url);
  other.cookies = client.cookies;
  other.csrf = client.csrf;
  return other;
}

describe('two serve processes on one PostgreSQL', () => {
  let a: Client;
  let b: Client;

  it('an MFA answer posted to the second server completes a connect started on the first', async () => {
    const serveA = await startServe();
    const serveB = await startServe();
    a = new Client(overHttp(), serveA.url);
    await a.page('/setup');
    const setup = await a.post('/setup', {
      code: serveA.setupCode,
      family: 'Family',
      time_zone: 'UTC',
      username: 'alice',
      password: PASSWORD,
      password2: PASSWORD,
    });
    expect(setup.status).toBe(302);
    await a.page('/');
    b = sameBrowserOn(a, serveB);
    // The login session is the database's: the second server knows it.
    expect((await b.page('/connect')).html).toContain('Your bank');

    await a.page(`/connect/bank/${SOPHTRON_BANK_ID}`);
    const start = await a.post(`/connect/bank/${SOPHTRON_BANK_ID}`, {
      username: 'asdfg12X',
      password: 'asdfg12X',
    });
    expect(start.status).toBe(302);
    const id = /\/connect\/session\/([^/?]+)/.exec(start.headers.get('location')!)![1]!;

    // Every challenge is read from, and answered to, the second server.
    let html = await waitForState(b, id, /captcha\.png/);
    const img = await b.request(`/connect/session/${id}/captcha.png`);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await img.arrayBuffer()).slice(1, 4)).toEqual(new Uint8Array([0x50, 0x4e, 0x47]));
    await b.post(`/connect/session/${id}/answer`, { seq: seqOf(html), kind: 'captcha', text: 'ABCDE' });
    html = await waitForState(b, id, /favorite color/);
    await b.post(`/connect/session/${id}/answer`, {
      seq: seqOf(html),
      kind: 'security_questions',
      answer: 'blue',
    });
    html = await waitForState(b, id, /name="method"/);
    const method = /name="method" value="([^"]+)"/.exec(html)![1]!;
    await b.post(`/connect/session/${id}/answer`, {
      seq: seqOf(html),
      kind: 'token_method',
      method: method.replace(/&#39;/g, "'"),
    });
    html = await waitForState(b, id, /name="code"/);
    await b.post(`/connect/session/${id}/answer`, { seq: seqOf(html), kind: 'token_input', code: '123456' });

    // Connected, as both servers show.
    const onB = await waitForState(b, id, /id="link-form"/);
    const onA = await waitForState(a, id, /id="link-form"/);
    expect(onA).toContain('Connected to Sophtron Bank');
    const paIds = [...onB.matchAll(/name="link" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(paIds.length).toBeGreaterThan(0);
    expect([...onA.matchAll(/name="link" value="([^"]+)"/g)].map((m) => m[1]!)).toEqual(paIds);
    const connectionId = /action="\/connections\/([^/]+)\/link"/.exec(onB)![1]!;
    const pa = paIds[0]!;
    const linked = await b.post(`/connections/${connectionId}/link`, {
      link: pa,
      [`name_${pa}`]: 'Linked through B',
      [`kind_${pa}`]: 'depository',
      [`currency_${pa}`]: 'USD',
    });
    expect(decodeURIComponent(linked.headers.get('location') ?? '')).toContain('1 account linked');
    expect((await a.page('/')).html).toContain('Linked through B');
  });

  it('a sync started on the first server is followed to its end from the second', async () => {
    const sync = await a.post('/sync');
    expect(sync.status).toBe(302);
    const taskId = /\/sync\/live\/(.+)$/.exec(sync.headers.get('location')!)![1]!;
    expect((await b.page(`/sync/live/${taskId}`)).html).toContain(`data-sse="/tasks/${taskId}/events"`);
    const events = await readSse(b, `/tasks/${taskId}/events`);
    expect(events).toContain('event: progress');
    expect(events).toMatch(/event: line\ndata: .*Linked through B.*succeeded/);
    const done = JSON.parse(/event: done\ndata: (.+)\n/.exec(events)![1]!) as {
      ok: boolean;
      redirect: string;
    };
    expect(done.ok).toBe(true);
    expect(done.redirect).toMatch(/^\/sync\/history\//);
    expect((await b.page(done.redirect)).html).toMatch(/pill succeeded/);
  });
});

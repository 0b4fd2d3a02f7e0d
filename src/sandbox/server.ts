/**
 * The sandbox HTTP app: the Sophtron surface under /api (v1 RPC and v2 REST), faults, auth, the
 * request log, and (when enabled) the control API under /__sandbox.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { sleep } from '../sleep.js';
import { Authenticator } from './auth.js';
import { SandboxControl, controlRoutes } from './control.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { HttpError, lowerKeys, unauthorizedBody, type Ctx, type Result } from './http.js';
import { RequestLog } from './log.js';
import { loadState, saveState } from './persist.js';
import { v1Routes } from './routes-v1.js';
import { matchV2 } from './routes-v2.js';
import { guid, hashSeed, mulberry32 } from './rng.js';
import { SandboxState, type SandboxUser } from './state.js';

export interface SandboxAppOptions {
  /** Seed of every generated value. Default 42. */
  seed?: number;
  /** How many GetJobInformationByID polls each job step takes at most. Default 2. */
  pollsPerStep?: number;
  /**
   * How long each job step takes at most, in ms (whichever of this and pollsPerStep comes first):
   * a bank's time, short. Default 1000; 0 for polls only.
   */
  jobStepMs?: number;
  /** Monotonic ms for job steps (tests move it); default performance.now. */
  jobClock?: () => number;
  /** Developer users; default one user derived from the seed. */
  users?: SandboxUser[];
  /** Accept only the vendor's signing recipe (variant A). */
  strictAuth?: boolean;
  /** "USD" (or CAD/MXN) instead of "$". */
  isoCurrency?: boolean;
  /** Random faults by rate, e.g. { '429': 0.2, '500': 0.1, truncate: 0.05 }. */
  faults?: FaultSpec;
  /** Serve the control API under /__sandbox. Default false. */
  controlApi?: boolean;
  /** Base clock; the control handle moves the sandbox clock forward from it. Default real time. */
  now?: () => Date;
  /** The NoMFA test bank gets a 10,000+ transaction account. Default true (generated lazily). */
  bigAccount?: boolean;
  /**
   * Average card purchases per day of that big account (default 6.5): 42 gives about 90,000
   * transactions from 2021-01-01 to the end of 2026, 83 about 180,000 (backfill benchmarks).
   */
  bigAccountPurchasesPerDay?: number;
  /** Every Sophtron call waits this long before it is answered, like a real network (benchmarks; control.latencyMs changes it). */
  latencyMs?: number;
  /**
   * Mixed into the ids of connections, accounts and jobs. The in-process sandbox of `serve` forgets
   * everything when it restarts; a fresh salt keeps it from handing out an id the ledger already
   * holds for another bank login. Default none: the same ids for a seed.
   */
  idSalt?: string;
  /**
   * A file that keeps the bank logins (not their passwords) across restarts: read at start, written
   * whenever a login or its accounts change. Default none: everything lives in memory.
   */
  stateFile?: string;
}

export interface SandboxApp {
  app: Hono;
  control: SandboxControl;
  users: SandboxUser[];
  state: SandboxState;
}

type NodeEnv = { incoming?: IncomingMessage; outgoing?: ServerResponse };

/** A job step of a bank, in the sandbox: realistic, yet short enough to try the product. */
export const DEFAULT_JOB_STEP_MS = 1000;

const JSON_TYPE = 'application/json; charset=utf-8';
const FAULT_BODIES: Record<string, { Message: string }> = {
  '429': { Message: 'Too many requests. Please retry later.' },
  '500': { Message: 'An error has occurred.' },
  '503': { Message: 'The service is unavailable.' },
};

/** The default developer user: fixed for a seed, so a restarted sandbox keeps working credentials. */
export function defaultUser(seed: number): SandboxUser {
  const rng = mulberry32(hashSeed('default-user', seed));
  return { userId: guid(rng), accessKey: Buffer.from(`sandbox-${guid(rng)}`).toString('base64') };
}

export function createSandboxApp(options: SandboxAppOptions = {}): SandboxApp {
  const seed = options.seed ?? 42;
  const pollsPerStep = Math.max(1, options.pollsPerStep ?? 2);
  const jobStepMs = Math.max(0, options.jobStepMs ?? DEFAULT_JOB_STEP_MS);
  const state = new SandboxState({
    seed,
    pollsPerStep,
    ...(options.jobClock ? { jobClock: options.jobClock } : {}),
    isoCurrency: options.isoCurrency ?? false,
    bigAccount: options.bigAccount ?? true,
    ...(options.bigAccountPurchasesPerDay !== undefined
      ? { bigAccountPurchasesPerDay: options.bigAccountPurchasesPerDay }
      : {}),
    now: options.now ?? (() => new Date()),
    ...(options.idSalt !== undefined ? { idSalt: options.idSalt } : {}),
    ...(options.stateFile !== undefined ? { onChange: () => saveState(state, options.stateFile!) } : {}),
  });
  if (options.stateFile !== undefined) loadState(state, options.stateFile);
  const users = options.users?.length ? options.users : [defaultUser(seed)];
  const auth = new Authenticator([], options.strictAuth ?? false);
  const faults = new FaultInjector(options.faults ?? {}, seed);
  const log = new RequestLog();
  const control = new SandboxControl(state, faults, log, auth);
  control.latencyMs = options.latencyMs ?? 0;
  for (const u of users) control.addUser(u);

  const app = new Hono();
  if (options.controlApi) app.route('/__sandbox', controlRoutes(control));

  app.all('*', async (c) => {
    const method = c.req.method;
    const url = new URL(c.req.url);
    const path = url.pathname;
    const query = url.search.slice(1);
    const segments = path.split('/').filter(Boolean);
    const entry = {
      at: new Date().toISOString(),
      method,
      path,
      endpoint: 'unknown',
      userId: null as string | null,
    };
    const finish = (status: number, fault: string | null = null) => log.add({ ...entry, status, fault });

    // --- routing (case-insensitive) ---
    let handle: ((ctx: Ctx) => Result | Promise<Result>) | null = null;
    let params: string[] = [];
    let methodMismatch = false;
    if (segments[0]?.toLowerCase() === 'api') {
      if (segments[1]?.toLowerCase() === 'v2') {
        const m = matchV2(method, segments.slice(2));
        if (m.route) {
          handle = m.route.handle;
          params = m.params;
          entry.endpoint = m.route.name;
        } else methodMismatch = m.methodMismatch;
      } else if (segments.length === 3) {
        const route = v1Routes.get(`${segments[1]}/${segments[2]}`.toLowerCase());
        if (route && route.method === method) {
          handle = route.handle;
          entry.endpoint = route.name;
        } else if (route) {
          methodMismatch = true;
          entry.endpoint = route.name;
        }
      }
    }
    if (!handle) {
      const status = methodMismatch ? 405 : 404;
      finish(status);
      return c.json(
        methodMismatch
          ? { Message: `The requested resource does not support http method '${method}'.` }
          : { Message: `No HTTP resource was found that matches the request URI '${c.req.url}'.` },
        status,
      );
    }

    // --- faults before the handler: no side effects ---
    if (control.latencyMs > 0) await sleep(control.latencyMs);
    const fault = faults.decide(entry.endpoint, path);
    if (fault?.kind === 'delay') await sleep(fault.delayMs);
    if (fault?.kind === 'reset') {
      finish(0, 'reset');
      return resetConnection(c);
    }
    if (fault && FAULT_BODIES[fault.kind]) {
      const status = Number(fault.kind) as 429 | 500 | 503;
      finish(status, fault.kind);
      if (status === 429) c.header('Retry-After', String(fault.retryAfter));
      return c.json(FAULT_BODIES[fault.kind], status);
    }

    // --- auth ---
    const verdict = auth.check(method, c.req.header('authorization'), path, query);
    if (!verdict.ok) {
      finish(401, fault?.kind ?? null);
      return c.json(unauthorizedBody, 401);
    }
    entry.userId = verdict.userId;

    // --- handler ---
    let result: Result;
    try {
      let body: Record<string, unknown> = {};
      if (method !== 'GET' && method !== 'DELETE') {
        const text = await c.req.text();
        if (text.trim()) {
          try {
            body = lowerKeys(JSON.parse(text));
          } catch {
            throw new HttpError(400, {
              Message: 'The request is invalid.',
              ModelState: { request: ['The body is not valid JSON.'] },
            });
          }
        }
      }
      const q = new Map<string, string>();
      for (const [k, v] of url.searchParams) q.set(k.toLowerCase(), v);
      result = await handle({
        state,
        userId: verdict.userId,
        method,
        body,
        query: q,
        params,
        pollsPerStep,
        jobStepMs,
      });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      result = { status: err.status, json: err.body };
    }
    const body: string | Uint8Array = result.empty ? '' : (result.raw ?? JSON.stringify(result.json));
    const text = () => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));

    // --- faults after the handler: corrupt the real answer ---
    if (fault?.kind === 'malformed') {
      finish(result.status, 'malformed');
      return c.body(malformed(text()), result.status as 200, { 'content-type': JSON_TYPE });
    }
    if (fault?.kind === 'truncate') {
      finish(result.status, 'truncate');
      return truncated(c, result.status, text());
    }
    finish(result.status, fault?.kind ?? null);
    if (result.empty) return c.body(null, result.status as 200);
    return c.body(body as string, result.status as 200, { 'content-type': JSON_TYPE });
  });

  return { app, control, users, state };
}

/** Cut mid-JSON and followed by bytes no JSON parser accepts, with a correct Content-Length. */
function malformed(text: string): string {
  return `${text.slice(0, Math.max(1, Math.floor(text.length / 2)))}\u001f<html>`;
}

function resetConnection(c: Context): Response {
  const env = c.env as NodeEnv | undefined;
  if (env?.incoming) {
    env.incoming.socket.destroy();
    return RESPONSE_ALREADY_SENT;
  }
  throw new Error('sandbox fault: connection reset');
}

/** Promises the whole body in Content-Length, sends half, then drops the connection. */
function truncated(c: Context, status: number, text: string): Response {
  const env = c.env as NodeEnv | undefined;
  const bytes = Buffer.from(text || '{"Message":"truncated"}');
  const half = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
  if (env?.outgoing) {
    const out = env.outgoing;
    out.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': String(bytes.length) });
    out.write(half, () => out.destroy());
    return RESPONSE_ALREADY_SENT;
  }
  return new Response(half, { status, headers: { 'content-type': JSON_TYPE } });
}

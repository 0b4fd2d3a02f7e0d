/**
 * A stateful Firefly III fake (Hono on port 0) for tests and benchmarks: about, accounts (list,
 * create, get, update), transactions (create, get, update, delete), search by external_id,
 * currencies. It behaves like Firefly where the project depends on it: the token check, 415
 * without Content-Type, 422 validation answers with dotted field names, the duplicate-hash check
 * (over deleted journals too), soft deletes, opening balances and running account balances, the
 * cash account Firefly creates for a withdrawal (deposit) that names no other party, and the
 * account types a split may join (Firefly's `source_dests`) when it names an account by id.
 * Latency is configurable; every request is logged and counted. When the official OpenAPI document
 * is present, every request and answer is validated against it and mismatches are collected in
 * `violations` (tests assert it stays empty).
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../../src/http/listen.js';
import { Hono, type Context } from 'hono';
import { mulberry32 } from '../../src/sandbox/rng.js';
import { loadFireflySpecValidator, type OpenApiValidator } from './openapi.js';

export interface FakeFireflyOptions {
  token?: string;
  version?: string;
  /** Delay of every answer, in ms. */
  latencyMs?: number;
  /** Extra delay after a transaction is stored and before the answer (a kill then loses the answer). */
  storedAnswerDelayMs?: number;
  currencies?: string[];
  /** Validate traffic against the OpenAPI spec when present (default true). */
  validate?: boolean;
}

/**
 * Faults the fake injects, each request rolling a seeded die: a 429 (nothing done) with
 * Retry-After, a 5xx before anything is done, or — for writes — a 5xx after the write was stored
 * (the client cannot know which). A client coming back sooner than Retry-After asked is a violation.
 */
export interface FakeFaults {
  rate429?: number;
  /** The Retry-After header of a 429: seconds, or 'date' for an HTTP date that far ahead. */
  retryAfterSeconds?: number;
  retryAfterAsDate?: boolean;
  rate5xxBefore?: number;
  /** Share of writes (POST, PUT, DELETE) answered 500 after they were stored. */
  rate5xxAfter?: number;
  seed?: number;
}

export interface FakeAccount {
  id: string;
  name: string;
  type: 'asset' | 'liabilities' | 'expense' | 'revenue' | 'cash';
  currency: string;
  accountRole: string | null;
  liabilityType: string | null;
  liabilityDirection: string | null;
  openingBalance: string | null;
  openingBalanceDate: string | null;
  /** The account's balance effect of its opening balance, in minor units (signed, money convention). */
  openingMinor: number;
  createdAt: string;
}

export interface FakeSplit {
  journalId: string;
  type: 'withdrawal' | 'deposit' | 'transfer';
  date: string;
  amount: string;
  description: string;
  currencyCode: string;
  sourceId: string;
  destinationId: string;
  externalId: string | null;
  tags: string[];
  notes: string | null;
  categoryName: string | null;
  bookDate: string | null;
  processDate: string | null;
  internalReference: string | null;
  hash: string;
}

export interface FakeGroup {
  id: string;
  split: FakeSplit;
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

const ISO_DECIMALS: Record<string, number> = { JPY: 0, KRW: 0, BHD: 3, KWD: 3 };

/** The dotted field name of a spec violation ("… body/transactions/0/amount must …" → transactions.0.amount). */
function fieldOf(problem: string): string {
  const body = / body\/(\S+)/.exec(problem);
  if (body) return body[1]!.replace(/\//g, '.');
  const query = /\?(\S+)/.exec(problem) ?? /query parameter (\S+)/.exec(problem);
  return query ? query[1]! : 'request';
}

/** Firefly's amounts: plain decimals, never exponent notation ("1e3"). */
const AMOUNT = /^-?\d+(\.\d+)?$/;

/** Firefly stores dates as 32-bit Unix times: it refuses what falls outside. */
const DATE_RANGE_MESSAGE = 'The date must be between 1970-01-02 and 2038-01-17.';
function inDateRange(date: string): boolean {
  const day = date.slice(0, 10);
  return day >= '1970-01-02' && day <= '2038-01-17';
}

/** Firefly's length limits of the split fields we may send. */
const LENGTH_LIMITS: [string, number][] = [
  ['description', 1000],
  ['category_name', 255],
  ['budget_name', 255],
  ['notes', 32_768],
  ['external_id', 255],
  ['internal_reference', 255],
  ['source_name', 255],
  ['destination_name', 255],
];

/**
 * The name Firefly III gives the cash account it creates for a user (its pages show it as
 * "(cash)"; the API answers with this name and the type `cash`).
 */
export const CASH_ACCOUNT_NAME = 'Cash account';

/** An account of a split: `byId` when the request chose it by id (then its type is checked). */
interface Resolved {
  account: FakeAccount;
  byId: boolean;
}

/** An account's fields before it is stored (id ''). */
function unsavedAccount(a: Partial<FakeAccount> & { name: string; type: FakeAccount['type'] }): FakeAccount {
  return {
    id: '',
    currency: 'USD',
    accountRole: a.type === 'asset' ? 'defaultAsset' : null,
    liabilityType: null,
    liabilityDirection: null,
    openingBalance: null,
    openingBalanceDate: null,
    openingMinor: 0,
    createdAt: new Date().toISOString(),
    ...a,
  };
}

export class FakeFirefly {
  readonly accounts = new Map<string, FakeAccount>();
  readonly groups = new Map<string, FakeGroup>();
  readonly log: LoggedRequest[] = [];
  readonly violations: string[] = [];
  latencyMs: number;
  storedAnswerDelayMs: number;
  version: string;
  token: string;
  /** Answer this many upcoming POST /transactions with the body stored but the connection cut. */
  dropPostAnswers = 0;
  /** While set, POST /transactions waits here before it is handled (overlapping runs in tests). */
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  /** POST /transactions requests waiting at the gate. */
  heldWrites = 0;
  private faults: Required<FakeFaults> | null = null;
  private roll: () => number = Math.random;
  /** "METHOD /path" of writes to answer 500 once each after they are stored. */
  readonly failAfterWrite: string[] = [];
  /** Faults answered so far. */
  readonly injected = { rateLimited: 0, failedBefore: 0, failedAfter: 0 };
  /** Request → the time before which Retry-After asked the client not to come back. */
  private readonly notBefore = new Map<string, number>();
  private nextId = 1;
  private readonly byHash = new Map<string, FakeGroup>();
  private server: Server | null = null;
  /** Connections open to the fake, and requests being handled (see quiet()). */
  private readonly sockets = new Set<Socket>();
  private inHand = 0;
  private readonly validator: OpenApiValidator | null;
  private readonly currencies: string[];
  url = '';

  constructor(options: FakeFireflyOptions = {}) {
    this.token = options.token ?? 'test-token';
    this.version = options.version ?? '6.6.2';
    this.latencyMs = options.latencyMs ?? 0;
    this.storedAnswerDelayMs = options.storedAnswerDelayMs ?? 0;
    this.currencies = options.currencies ?? ['EUR', 'USD', 'CAD', 'GBP', 'MXN', 'JPY'];
    this.validator = options.validate === false ? null : loadFireflySpecValidator();
  }

  get specValidation(): boolean {
    return this.validator !== null;
  }

  count(method?: string, pathPrefix?: string): number {
    return this.log.filter(
      (r) => (!method || r.method === method) && (!pathPrefix || r.path.startsWith(pathPrefix)),
    ).length;
  }

  resetLog(): void {
    this.log.length = 0;
  }

  liveGroups(): FakeGroup[] {
    return [...this.groups.values()].filter((g) => !g.deleted);
  }

  /** Balance of an account as Firefly reports it (`current_balance`), in minor units. */
  balanceMinor(accountId: string): number {
    const a = this.accounts.get(accountId);
    if (!a) throw new Error(`no account ${accountId}`);
    let sum = a.openingMinor;
    for (const g of this.groups.values()) {
      if (g.deleted) continue;
      const amt = toMinor(g.split.amount, a.currency);
      if (g.split.sourceId === accountId) sum -= amt;
      if (g.split.destinationId === accountId) sum += amt;
    }
    return sum;
  }

  /** Creates an account directly (as a user would in the Firefly UI). */
  addAccount(a: Partial<FakeAccount> & { name: string; type: FakeAccount['type'] }): FakeAccount {
    const acc: FakeAccount = { ...unsavedAccount(a), id: String(this.nextId++) };
    this.accounts.set(acc.id, acc);
    return acc;
  }

  /** The user's cash account, once Firefly created it (the first withdrawal or deposit that needed it). */
  cashAccount(): FakeAccount | undefined {
    return [...this.accounts.values()].find((a) => a.type === 'cash' && a.name === CASH_ACCOUNT_NAME);
  }

  /** The account a valid split resolved to: itself, or the one its draft becomes now. */
  private created(a: FakeAccount): FakeAccount {
    if (a.id) return a;
    if (a.type === 'cash')
      // Firefly's cash account has no currency of its own: it shows the primary one.
      return (
        this.cashAccount() ??
        this.addAccount({ name: CASH_ACCOUNT_NAME, type: 'cash', currency: this.currencies[0]! })
      );
    return this.addAccount({ name: a.name, type: a.type, accountRole: null });
  }

  /** Turns fault injection on (or off with null). */
  setFaults(faults: FakeFaults | null): void {
    this.faults = faults && {
      rate429: 0,
      retryAfterSeconds: 1,
      retryAfterAsDate: false,
      rate5xxBefore: 0,
      rate5xxAfter: 0,
      seed: 1,
      ...faults,
    };
    this.roll = mulberry32(this.faults?.seed ?? 1); // the same faults for the same seed
  }

  /** Makes POST /transactions wait until `releaseWrites()`. */
  holdWrites(): void {
    if (!this.gate) this.gate = new Promise((r) => (this.openGate = r));
  }

  releaseWrites(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
  }

  /** Soft-deletes a group as a user would in the Firefly UI. */
  deleteGroup(id: string): void {
    const g = this.groups.get(id);
    if (g) g.deleted = true;
  }

  async start(): Promise<string> {
    const app = this.app();
    const { server, address } = await listen(app.fetch, { port: 0, host: '127.0.0.1' });
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.url = `http://127.0.0.1:${address.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  }

  /**
   * No connection open and no request in hand: once a client's process has died, every request it
   * had sent is stored or dropped. (A POST answered through dropPostAnswers stays in hand.)
   */
  quiet(): boolean {
    return this.sockets.size === 0 && this.inHand === 0;
  }

  private app(): Hono {
    const app = new Hono();
    app.use('*', async (_c, next) => {
      this.inHand++;
      try {
        await next();
      } finally {
        this.inHand--;
      }
    });
    app.use('*', async (c, next) => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const url = new URL(c.req.url);
      let body: unknown;
      if (c.req.method === 'POST' || c.req.method === 'PUT') {
        const ct = c.req.header('content-type') ?? '';
        if (!/json|form|octet-stream/.test(ct)) {
          this.log.push({ method: c.req.method, path: url.pathname + url.search, status: 415 });
          this.violations.push(`${c.req.method} ${url.pathname}: no Content-Type (Firefly answers 415)`);
          return c.json({ message: 'Unsupported Media Type' }, 415);
        }
        try {
          body = await c.req.json();
        } catch {
          body = null;
        }
        (c as unknown as { parsedBody: unknown }).parsedBody = body;
      }
      if (!(c.req.header('accept') ?? '').includes('json')) {
        this.violations.push(`${c.req.method} ${url.pathname}: Accept is not JSON`);
      }
      if (this.validator) {
        const problems = this.validator.checkRequest(c.req.method, url.pathname, url.searchParams, body);
        for (const v of problems) this.violations.push(`request: ${v}`);
        // Firefly validates every request: one that breaks the spec is refused, never half-done.
        if (problems.length) {
          this.log.push({ method: c.req.method, path: url.pathname + url.search, status: 422 });
          return this.validationError(c, Object.fromEntries(problems.map((p) => [fieldOf(p), [p]])));
        }
      }
      if (c.req.header('authorization') !== `Bearer ${this.token}`) {
        return this.answer(c, 401, { message: 'Unauthenticated', exception: 'AuthenticationException' });
      }
      const key = `${c.req.method} ${url.pathname}${url.search} ${JSON.stringify(body ?? null)}`;
      const asked = this.notBefore.get(key);
      if (asked !== undefined) {
        this.notBefore.delete(key);
        if (Date.now() < asked)
          this.violations.push(
            `${c.req.method} ${url.pathname}: retried ${asked - Date.now()} ms sooner than Retry-After asked`,
          );
      }
      let failAfter = false;
      if (this.faults) {
        const f = this.faults;
        const r = this.roll();
        const write = c.req.method !== 'GET';
        if (r < f.rate429) {
          this.injected.rateLimited++;
          const until = Date.now() + f.retryAfterSeconds * 1000;
          // An HTTP date has whole seconds: the client may come back at the start of that second.
          this.notBefore.set(key, f.retryAfterAsDate ? Math.floor(until / 1000) * 1000 : until);
          this.log.push({ method: c.req.method, path: url.pathname + url.search, status: 429 });
          return new Response(JSON.stringify({ message: 'Too Many Attempts.' }), {
            status: 429,
            headers: {
              'content-type': 'application/json',
              'retry-after': f.retryAfterAsDate ? new Date(until).toUTCString() : String(f.retryAfterSeconds),
            },
          });
        }
        if (r < f.rate429 + f.rate5xxBefore) {
          this.injected.failedBefore++;
          this.log.push({ method: c.req.method, path: url.pathname + url.search, status: 500 });
          return c.json({ message: 'Internal Firefly III Exception: injected before the write' }, 500);
        }
        failAfter = write && r < f.rate429 + f.rate5xxBefore + f.rate5xxAfter;
      }
      const once = this.failAfterWrite.indexOf(`${c.req.method} ${url.pathname}`);
      if (once >= 0) {
        this.failAfterWrite.splice(once, 1);
        failAfter = true;
      }
      await next();
      if (failAfter && c.res.status < 300) {
        this.injected.failedAfter++;
        c.res = new Response(
          JSON.stringify({ message: 'Internal Firefly III Exception: injected after the write' }),
          { status: 500, headers: { 'content-type': 'application/json' } },
        );
      }
      this.log.push({ method: c.req.method, path: url.pathname + url.search, status: c.res.status });
    });

    app.get('/api/v1/about', (c) =>
      this.answer(
        c,
        200,
        {
          data: {
            version: this.version,
            api_version: this.version,
            php_version: '8.4.1',
            os: 'Linux',
            driver: 'sqlite',
          },
        },
        'application/json',
      ),
    );

    app.get('/api/v1/currencies', (c) =>
      this.answer(c, 200, {
        data: this.currencies.map((code, i) => ({
          type: 'currencies',
          id: String(i + 1),
          attributes: {
            code,
            name: code,
            symbol: code,
            decimal_places: ISO_DECIMALS[code] ?? 2,
            enabled: true,
            primary: i === 0,
          },
        })),
        meta: {
          pagination: {
            total: this.currencies.length,
            count: this.currencies.length,
            per_page: 500,
            current_page: 1,
            total_pages: 1,
          },
        },
        links: {
          self: `${this.url}/api/v1/currencies?page=1`,
          first: `${this.url}/api/v1/currencies?page=1`,
          last: `${this.url}/api/v1/currencies?page=1`,
        },
      }),
    );

    app.get('/api/v1/accounts', (c) => {
      const type = c.req.query('type') ?? 'all';
      const page = Number(c.req.query('page') ?? '1');
      const limit = Number(c.req.query('limit') ?? '50');
      const all = [...this.accounts.values()].filter((a) =>
        type === 'all'
          ? true
          : type === 'liability' || type === 'liabilities'
            ? a.type === 'liabilities'
            : a.type === type,
      );
      const pages = Math.max(1, Math.ceil(all.length / limit));
      const slice = all.slice((page - 1) * limit, page * limit);
      return this.answer(c, 200, {
        data: slice.map((a) => this.accountRead(a)),
        meta: {
          pagination: {
            total: all.length,
            count: slice.length,
            per_page: limit,
            current_page: page,
            total_pages: pages,
          },
        },
      });
    });

    app.post('/api/v1/accounts', (c) => {
      const body = parsedBody(c) as Record<string, unknown> | null;
      const errors: Record<string, string[]> = {};
      const name = typeof body?.name === 'string' ? body.name.trim() : '';
      const type = body?.type;
      if (!name) errors.name = ['The name field is required.'];
      // Firefly's account types a request may name (config firefly.subTitlesByIdentifier).
      if (!['asset', 'liabilities', 'liability', 'expense', 'revenue', 'cash'].includes(String(type))) {
        errors.type = ['The selected type is invalid.'];
      }
      const currency = typeof body?.currency_code === 'string' ? body.currency_code : this.currencies[0]!;
      if (!this.currencies.includes(currency))
        errors.currency_code = ['The selected currency code is invalid.'];
      const shortType = type === 'liability' ? 'liabilities' : (type as FakeAccount['type']);
      if (name && [...this.accounts.values()].some((a) => a.name === name && a.type === shortType)) {
        errors.name = ['This account name is already in use.'];
      }
      if (shortType === 'liabilities') {
        if (!['loan', 'debt', 'mortgage'].includes(String(body?.liability_type)))
          errors.liability_type = ['The liability type field is required.'];
        if (!['credit', 'debit'].includes(String(body?.liability_direction)))
          errors.liability_direction = ['The liability direction field is required.'];
      }
      if (shortType === 'asset' && !body?.account_role)
        errors.account_role = ['The account role field is required.'];
      const ob = body?.opening_balance;
      const obDate = body?.opening_balance_date;
      const hasOb = ob !== undefined && ob !== null && ob !== '';
      const hasObDate = obDate !== undefined && obDate !== null && obDate !== '';
      if (hasOb && !AMOUNT.test(String(ob)))
        errors.opening_balance = ['The opening balance must be a number (no exponent notation).'];
      if (hasOb && !hasObDate)
        errors.opening_balance_date = [
          'The opening balance date field is required when opening balance is present.',
        ];
      if (hasObDate && !hasOb)
        errors.opening_balance = [
          'The opening balance field is required when opening balance date is present.',
        ];
      if (hasObDate && !inDateRange(String(obDate))) errors.opening_balance_date = [DATE_RANGE_MESSAGE];
      if (name.length > 1024) errors.name = ['The name may not be greater than 1024 characters.'];
      if (Object.keys(errors).length) return this.validationError(c, errors);
      const obMinor = ob !== undefined && ob !== '' ? toMinor(String(ob), currency) : 0;
      const acc = this.addAccount({
        name,
        type: shortType,
        currency,
        accountRole: shortType === 'asset' ? String(body!.account_role) : null,
        liabilityType: shortType === 'liabilities' ? String(body!.liability_type) : null,
        liabilityDirection: shortType === 'liabilities' ? String(body!.liability_direction) : null,
        openingBalance: obMinor ? String(ob) : null,
        openingBalanceDate: obMinor ? String(body!.opening_balance_date) : null,
        // A debit liability's opening balance is the amount owed: Firefly stores it negative,
        // whatever sign was sent.
        openingMinor:
          shortType === 'liabilities' && body!.liability_direction === 'debit' ? -Math.abs(obMinor) : obMinor,
      });
      return this.answer(c, 200, { data: this.accountRead(acc) });
    });

    app.get('/api/v1/accounts/:id', (c) => {
      const a = this.accounts.get(c.req.param('id'));
      if (!a) return this.notFound(c);
      return this.answer(c, 200, { data: this.accountRead(a) });
    });

    app.put('/api/v1/accounts/:id', (c) => {
      const a = this.accounts.get(c.req.param('id'));
      if (!a) return this.notFound(c);
      const body = parsedBody(c) as Record<string, unknown>;
      if (typeof body.name === 'string' && body.name.trim()) a.name = body.name.trim();
      if (typeof body.currency_code === 'string') a.currency = body.currency_code;
      return this.answer(c, 200, { data: this.accountRead(a) });
    });

    app.get('/api/v1/search/transactions', (c) => {
      const query = c.req.query('query') ?? '';
      const m = /^external_id_is:"((?:[^"\\]|\\.)*)"$/.exec(query.trim());
      const wanted = m ? m[1]!.replace(/\\"/g, '"') : null;
      const found = wanted === null ? [] : this.liveGroups().filter((g) => g.split.externalId === wanted);
      const limit = Math.max(1, Number(c.req.query('limit') ?? '50') || 50);
      const page = Math.max(1, Number(c.req.query('page') ?? '1') || 1);
      const slice = found.slice((page - 1) * limit, page * limit);
      return this.answer(c, 200, {
        data: slice.map((g) => this.groupRead(g)),
        meta: {
          pagination: {
            total: found.length,
            count: slice.length,
            per_page: limit,
            current_page: page,
            total_pages: Math.max(1, Math.ceil(found.length / limit)),
          },
        },
        links: {
          self: `${this.url}/api/v1/search/transactions?page=1`,
          first: `${this.url}/api/v1/search/transactions?page=1`,
          last: `${this.url}/api/v1/search/transactions?page=1`,
        },
      });
    });

    app.post('/api/v1/transactions', async (c) => {
      if (this.gate) {
        this.heldWrites++;
        await this.gate;
        this.heldWrites--;
      }
      const body = parsedBody(c) as Record<string, unknown> | null;
      const splits = Array.isArray(body?.transactions)
        ? (body!.transactions as Record<string, unknown>[])
        : [];
      if (splits.length !== 1)
        return this.validationError(c, { transactions: ['The fake stores exactly one split per group.'] });
      const split = splits[0]!;
      const { errors, value } = this.validateSplit(split, 'transactions.0', null);
      if (errors) return this.validationError(c, errors);
      const hash = hashSplit(split);
      if (body?.error_if_duplicate_hash === true) {
        const dup = this.byHash.get(hash);
        if (dup) {
          return this.validationError(c, {
            'transactions.0.description': [`Duplicate of transaction #${dup.id}.`],
          });
        }
      }
      const now = new Date().toISOString();
      const group: FakeGroup = {
        id: String(this.nextId++),
        split: { ...value!, journalId: String(this.nextId++), hash },
        deleted: false,
        createdAt: now,
        updatedAt: now,
      };
      this.groups.set(group.id, group);
      if (!this.byHash.has(hash)) this.byHash.set(hash, group);
      if (this.storedAnswerDelayMs > 0) await new Promise((r) => setTimeout(r, this.storedAnswerDelayMs));
      if (this.dropPostAnswers > 0) {
        this.dropPostAnswers--;
        // Stored, but the client never hears back: like a timeout after Firefly committed.
        return new Promise<Response>(() => undefined);
      }
      return this.answer(c, 200, { data: this.groupRead(group) });
    });

    app.get('/api/v1/transactions/:id', (c) => {
      const g = this.groups.get(c.req.param('id'));
      if (!g || g.deleted) return this.notFound(c);
      return this.answer(c, 200, { data: this.groupRead(g) });
    });

    app.put('/api/v1/transactions/:id', (c) => {
      const g = this.groups.get(c.req.param('id'));
      if (!g || g.deleted) return this.notFound(c);
      const body = parsedBody(c) as Record<string, unknown> | null;
      const splits = Array.isArray(body?.transactions)
        ? (body!.transactions as Record<string, unknown>[])
        : [];
      if (splits.length !== 1)
        return this.validationError(c, { transactions: ['Exactly one split expected.'] });
      const split = splits[0]!;
      if (split.transaction_journal_id !== undefined && split.transaction_journal_id !== g.split.journalId) {
        return this.validationError(c, {
          'transactions.0.transaction_journal_id': ['The selected transaction journal id is invalid.'],
        });
      }
      const { errors, value } = this.validateSplit(split, 'transactions.0', g.split);
      if (errors) return this.validationError(c, errors);
      g.split = { ...value!, journalId: g.split.journalId, hash: g.split.hash };
      g.updatedAt = new Date().toISOString();
      return this.answer(c, 200, { data: this.groupRead(g) });
    });

    app.delete('/api/v1/transactions/:id', (c) => {
      const g = this.groups.get(c.req.param('id'));
      if (!g || g.deleted) return this.notFound(c);
      g.deleted = true;
      return this.answer(c, 204, null);
    });

    app.notFound((c) => this.notFound(c));
    return app;
  }

  private validateSplit(
    s: Record<string, unknown>,
    prefix: string,
    previous: FakeSplit | null,
  ): { errors: Record<string, string[]> | null; value: Omit<FakeSplit, 'journalId' | 'hash'> | null } {
    const errors: Record<string, string[]> = {};
    const str = (k: string): string | null =>
      typeof s[k] === 'string' && s[k] !== '' ? (s[k] as string) : null;
    const type = (str('type') ?? previous?.type) as FakeSplit['type'] | undefined;
    if (!type || !['withdrawal', 'deposit', 'transfer'].includes(type))
      errors[`${prefix}.type`] = ['The selected type is invalid.'];
    const date = str('date') ?? previous?.date ?? null;
    if (!date || Number.isNaN(Date.parse(date))) errors[`${prefix}.date`] = ['The date field is required.'];
    else if (!inDateRange(date)) errors[`${prefix}.date`] = [DATE_RANGE_MESSAGE];
    for (const k of [
      'book_date',
      'process_date',
      'interest_date',
      'due_date',
      'payment_date',
      'invoice_date',
    ]) {
      const d = str(k);
      if (d && (Number.isNaN(Date.parse(d)) || !inDateRange(d)))
        errors[`${prefix}.${k}`] = [DATE_RANGE_MESSAGE];
    }
    const amount = str('amount') ?? previous?.amount ?? null;
    if (!amount || !/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0)
      errors[`${prefix}.amount`] = ['The amount must be a positive number (no exponent notation).'];
    for (const [k, max] of LENGTH_LIMITS) {
      const v = s[k];
      if (typeof v === 'string' && v.length > max)
        errors[`${prefix}.${k}`] = [`The ${k.replace(/_/g, ' ')} may not be greater than ${max} characters.`];
    }
    if (Array.isArray(s.tags))
      (s.tags as unknown[]).forEach((t, i) => {
        if (typeof t === 'string' && t.length > 1024)
          errors[`${prefix}.tags.${i}`] = ['The tag may not be greater than 1024 characters.'];
      });
    const description = str('description') ?? previous?.description ?? null;
    if (!description) errors[`${prefix}.description`] = ['The description field is required.'];
    else if (description.length > 1000)
      errors[`${prefix}.description`] = ['The description may not be greater than 1000 characters.'];
    const external = s.external_id === undefined ? (previous?.externalId ?? null) : str('external_id');
    if (external && external.length > 255)
      errors[`${prefix}.external_id`] = ['The external id may not be greater than 255 characters.'];
    const tags =
      s.tags === undefined ? (previous?.tags ?? []) : Array.isArray(s.tags) ? (s.tags as string[]) : [];
    const currencyCode = str('currency_code') ?? previous?.currencyCode ?? null;
    if (currencyCode && !this.currencies.includes(currencyCode))
      errors[`${prefix}.currency_code`] = ['The selected currency code is invalid.'];

    // An account to create once the split is valid (Firefly validates first, then creates).
    const draft = (name: string, accountType: FakeAccount['type']): Resolved => ({
      account: unsavedAccount({ name, type: accountType, accountRole: null }),
      byId: false,
    });
    const resolve = (
      side: 'source' | 'destination',
      kind: 'own' | 'expense' | 'revenue',
    ): Resolved | null => {
      const id = str(`${side}_id`);
      const name = str(`${side}_name`);
      if (id) {
        const a = this.accounts.get(id);
        if (!a) {
          errors[`${prefix}.${side}_id`] = [`Could not find a valid ${side} account with ID "${id}".`];
          return null;
        }
        return { account: a, byId: true };
      }
      if (name) {
        if (kind === 'own') {
          const a = [...this.accounts.values()].find(
            (x) => x.name === name && (x.type === 'asset' || x.type === 'liabilities'),
          );
          if (!a)
            errors[`${prefix}.${side}_name`] = [
              `Could not find a valid ${side} account with name "${name}".`,
            ];
          return a ? { account: a, byId: false } : null;
        }
        // Firefly looks the name up among expense (revenue) accounts first, then among the other
        // types this side may be: loan, debt, mortgage and cash; only then it creates an expense
        // (revenue) account of that name.
        const named = (types: FakeAccount['type'][]) =>
          [...this.accounts.values()].find((x) => x.name === name && types.includes(x.type));
        const found = named([kind]) ?? named(['liabilities', 'cash']);
        return found ? { account: found, byId: false } : draft(name, kind);
      }
      const prevId = side === 'source' ? previous?.sourceId : previous?.destinationId;
      if (prevId) {
        const a = this.accounts.get(prevId);
        return a ? { account: a, byId: true } : null;
      }
      // Nothing names the other party of a withdrawal (deposit): Firefly books it against the
      // user's cash account, which it creates the first time it is needed.
      if (kind !== 'own') {
        const cash = this.cashAccount();
        return cash ? { account: cash, byId: false } : draft(CASH_ACCOUNT_NAME, 'cash');
      }
      errors[`${prefix}.${side}_id`] = [`Could not find a valid ${side} account.`];
      return null;
    };
    const refuse = (side: 'source' | 'destination', r: Resolved | null, allowed: FakeAccount['type'][]) => {
      // A name Firefly resolved itself is never refused here; an account chosen by id must be of a
      // type this transaction may touch (Firefly's `source_dests`).
      if (r?.byId && !allowed.includes(r.account.type))
        errors[`${prefix}.${side}_id`] = [
          `Could not find a valid ${side} account when searching for ID "${r.account.id}" or name "${r.account.name}".`,
        ];
    };
    let from: Resolved | null = null;
    let to: Resolved | null = null;
    if (type === 'withdrawal') {
      from = resolve('source', 'own');
      to = resolve('destination', 'expense');
      refuse('source', from, ['asset', 'liabilities']);
      refuse(
        'destination',
        to,
        from?.account.type === 'liabilities' ? ['expense', 'cash'] : ['expense', 'liabilities', 'cash'],
      );
    } else if (type === 'deposit') {
      from = resolve('source', 'revenue');
      to = resolve('destination', 'own');
      refuse('source', from, ['revenue', 'cash', 'liabilities']);
      refuse('destination', to, from?.account.type === 'liabilities' ? ['asset'] : ['asset', 'liabilities']);
    } else if (type === 'transfer') {
      from = resolve('source', 'own');
      to = resolve('destination', 'own');
      refuse('source', from, ['asset', 'liabilities']);
      refuse('destination', to, ['asset', 'liabilities']);
      if (from && to && from.account.id === to.account.id)
        errors[`${prefix}.destination_id`] = ['Source and destination are the same account.'];
    }
    if (Object.keys(errors).length) return { errors, value: null };
    const source = this.created(from!.account);
    const destination = this.created(to!.account);
    return {
      errors: null,
      value: {
        type: type!,
        date: date!,
        amount: amount!,
        description: description!,
        currencyCode: currencyCode ?? source!.currency,
        sourceId: source!.id,
        destinationId: destination!.id,
        externalId: external,
        tags,
        notes: s.notes === undefined ? (previous?.notes ?? null) : str('notes'),
        categoryName: s.category_name === undefined ? (previous?.categoryName ?? null) : str('category_name'),
        bookDate: s.book_date === undefined ? (previous?.bookDate ?? null) : str('book_date'),
        processDate: s.process_date === undefined ? (previous?.processDate ?? null) : str('process_date'),
        internalReference:
          s.internal_reference === undefined
            ? (previous?.internalReference ?? null)
            : str('internal_reference'),
      },
    };
  }

  private accountRead(a: FakeAccount): unknown {
    const balance = fromMinor(this.balanceMinor(a.id), a.currency);
    return {
      type: 'accounts',
      id: a.id,
      attributes: {
        created_at: a.createdAt,
        updated_at: a.createdAt,
        active: true,
        name: a.name,
        type: a.type,
        account_role: a.accountRole,
        currency_id: String(this.currencies.indexOf(a.currency) + 1),
        currency_code: a.currency,
        currency_symbol: a.currency,
        currency_decimal_places: ISO_DECIMALS[a.currency] ?? 2,
        current_balance: balance,
        current_balance_date: new Date().toISOString().slice(0, 19) + '+00:00',
        opening_balance: a.openingBalance ?? '0',
        opening_balance_date: a.openingBalanceDate,
        liability_type: a.liabilityType,
        liability_direction: a.liabilityDirection,
        include_net_worth: true,
      },
    };
  }

  private groupRead(g: FakeGroup): unknown {
    const s = g.split;
    const src = this.accounts.get(s.sourceId);
    const dst = this.accounts.get(s.destinationId);
    return {
      type: 'transactions',
      id: g.id,
      attributes: {
        created_at: g.createdAt,
        updated_at: g.updatedAt,
        user: '1',
        group_title: null,
        transactions: [
          {
            user: '1',
            transaction_journal_id: s.journalId,
            type: s.type,
            date: s.date,
            order: 0,
            currency_code: s.currencyCode,
            currency_decimal_places: ISO_DECIMALS[s.currencyCode] ?? 2,
            amount: s.amount,
            description: s.description,
            source_id: s.sourceId,
            source_name: src?.name ?? null,
            source_type: typeLabel(src),
            destination_id: s.destinationId,
            destination_name: dst?.name ?? null,
            destination_type: typeLabel(dst),
            category_name: s.categoryName,
            tags: s.tags,
            notes: s.notes,
            external_id: s.externalId,
            internal_reference: s.internalReference,
            book_date: s.bookDate,
            process_date: s.processDate,
            reconciled: false,
          },
        ],
      },
      links: { self: `${this.url}/api/v1/transactions/${g.id}` },
    };
  }

  private answer(c: Context, status: number, body: unknown, contentType?: string): Response {
    const type =
      contentType ?? (status >= 200 && status < 300 ? 'application/vnd.api+json' : 'application/json');
    if (this.validator) {
      const url = new URL(c.req.url);
      for (const v of this.validator.checkResponse(
        c.req.method,
        url.pathname,
        status,
        type,
        body === null ? undefined : body,
      )) {
        this.violations.push(`response: ${v}`);
      }
    }
    if (status === 204) return new Response(null, { status });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
  }

  private notFound(c: Context): Response {
    return this.answer(c, 404, { message: 'Resource not found', exception: 'NotFoundHttpException' });
  }

  private validationError(c: Context, errors: Record<string, string[]>): Response {
    const all = Object.values(errors).flat();
    const more = all.length > 1 ? ` (and ${all.length - 1} more error${all.length > 2 ? 's' : ''})` : '';
    return this.answer(c, 422, { message: `${all[0]}${more}`, errors });
  }
}

function parsedBody(c: Context): unknown {
  return (c as unknown as { parsedBody: unknown }).parsedBody;
}

function typeLabel(a: FakeAccount | undefined): string {
  switch (a?.type) {
    case 'asset':
      return 'Asset account';
    case 'expense':
      return 'Expense account';
    case 'revenue':
      return 'Revenue account';
    case 'cash':
      return 'Cash account';
    case 'liabilities':
      return a.liabilityType === 'mortgage' ? 'Mortgage' : a.liabilityType === 'loan' ? 'Loan' : 'Debt';
    default:
      return 'Default account';
  }
}

/** Firefly hashes the whole submitted split (without import_hash_v2/original_source), like this. */
function hashSplit(split: Record<string, unknown>): string {
  const { import_hash_v2: _a, original_source: _b, ...rest } = split;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

function toMinor(amount: string, currency: string): number {
  const d = ISO_DECIMALS[currency] ?? 2;
  const [w, f = ''] = amount.replace('-', '').split('.');
  const v = Number(`${w}${f.padEnd(d, '0').slice(0, d)}`);
  return amount.startsWith('-') ? -v : v;
}

function fromMinor(minor: number, currency: string): string {
  const d = ISO_DECIMALS[currency] ?? 2;
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(d + 1, '0');
  return `${neg ? '-' : ''}${d ? `${digits.slice(0, -d)}.${digits.slice(-d)}` : digits}`;
}

/** Starts a fake; the caller stops it. */
export async function startFakeFirefly(options: FakeFireflyOptions = {}): Promise<FakeFirefly> {
  const fake = new FakeFirefly(options);
  await fake.start();
  return fake;
}

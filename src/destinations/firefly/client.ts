// Long because: one small method per Firefly III call the product makes, each with its response schema, over one request/retry core; splitting would scatter the schemas from the calls that parse them.
/**
 * HTTP client of the Firefly III REST API (v1): version check, accounts, transactions, search.
 * Every answer is parsed with zod; errors become typed values a person can read. Retries follow the
 * project's one policy (src/http/retry.ts: time budget, full jitter, Retry-After honoured). GET, PUT
 * and DELETE are retried on network errors, 5xx and 429 (they cannot duplicate anything); a POST
 * only on 429, which means Firefly did not process it. A POST whose outcome is unknown (no answer,
 * a 5xx) raises `FireflyUnknownOutcomeError`, and the caller resolves it by searching external_id.
 */
import { z } from 'zod';
import { parseRetryAfter, retryPolicy, withRetry, type RetryPolicy } from '../../http/retry.js';

export const MINIMUM_FIREFLY_VERSION = '6.0.0';

/** Retry budget of the version check every run starts with. */
const FIRST_CONTACT_BUDGET_MS = 5_000;

export interface FireflyClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  /** Longest time spent on one request, retries included (FIREFLY_III_RETRY_BUDGET_MS); default 120 s. */
  retryBudgetMs?: number;
  /** First backoff before jitter; default 500 ms, doubling up to maxRetryDelayMs (30 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  /** Tests: the jitter source, the clock and the wait. */
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class FireflyError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'FireflyError';
  }
}

export class FireflyAuthError extends FireflyError {
  constructor() {
    super(
      'Firefly III refused the access token (401): it is wrong, expired or revoked. Create a new personal access token in Firefly III (Options → Profile → OAuth).',
      401,
    );
    this.name = 'FireflyAuthError';
  }
}

export class FireflyNotFoundError extends FireflyError {
  constructor(what: string, status = 404) {
    super(`Firefly III has no ${what} (${status})`, status);
    this.name = 'FireflyNotFoundError';
  }
}

export interface FieldError {
  field: string;
  messages: string[];
}

export class FireflyValidationError extends FireflyError {
  constructor(
    readonly fieldErrors: FieldError[],
    summary: string,
  ) {
    super(
      `Firefly III rejected the data: ${
        fieldErrors.length
          ? fieldErrors.map((e) => `${e.field}: ${e.messages.join(' ')}`).join('; ')
          : summary
      }`,
      422,
    );
    this.name = 'FireflyValidationError';
  }

  /** The group id of "Duplicate of transaction #N." (Firefly's duplicate-hash answer), if that is what this is. */
  duplicateOf(): string | null {
    for (const e of this.fieldErrors) {
      for (const m of e.messages) {
        const hit = /Duplicate of transaction #(\d+)/.exec(m);
        if (hit) return hit[1]!;
      }
    }
    return null;
  }
}

export class FireflyUnreachableError extends FireflyError {
  constructor(message: string) {
    super(message, null);
    this.name = 'FireflyUnreachableError';
  }
}

/**
 * Firefly III keeps answering 429, or asks (Retry-After) to wait longer than the retry budget
 * allows: the run stops here rather than hammering it or waiting for hours.
 */
export class FireflyRateLimitedError extends FireflyError {
  constructor(
    readonly retryAfterMs: number | null,
    message: string,
  ) {
    super(message, 429);
    this.name = 'FireflyRateLimitedError';
  }
}

/** A POST that may or may not have been stored (timeout, connection lost after sending). */
export class FireflyUnknownOutcomeError extends FireflyError {
  constructor(message: string) {
    super(message, null);
    this.name = 'FireflyUnknownOutcomeError';
  }
}

export class FireflyVersionError extends FireflyError {
  constructor(version: string) {
    super(
      `Firefly III ${version} is too old: Sophtron Sync needs Firefly III ${MINIMUM_FIREFLY_VERSION} or newer. Please upgrade Firefly III.`,
      null,
    );
    this.name = 'FireflyVersionError';
  }
}

// ---- response schemas (only what we read; Firefly sends more) ----

const aboutSchema = z.object({
  data: z.object({ version: z.string(), api_version: z.string().optional() }),
});

const paginationSchema = z
  .object({
    meta: z
      .object({
        pagination: z.object({ current_page: z.number(), total_pages: z.number() }).partial().optional(),
      })
      .optional(),
  })
  .loose();

const accountAttributesSchema = z
  .object({
    name: z.string(),
    type: z.string(),
    active: z.boolean().optional(),
    currency_code: z.string().nullable().optional(),
    current_balance: z.string().nullable().optional(),
    opening_balance: z.string().nullable().optional(),
    liability_direction: z.string().nullable().optional(),
    liability_type: z.string().nullable().optional(),
    account_role: z.string().nullable().optional(),
  })
  .loose();
const accountReadSchema = z.object({ id: z.string(), attributes: accountAttributesSchema });
const accountSingleSchema = z.object({ data: accountReadSchema });
const accountArraySchema = z.object({ data: z.array(accountReadSchema) });

const splitSchema = z
  .object({
    transaction_journal_id: z.string().optional(),
    type: z.string(),
    amount: z.string(),
    external_id: z.string().nullable().optional(),
    tags: z.array(z.string()).nullable().optional(),
    description: z.string().nullable().optional(),
    category_name: z.string().nullable().optional(),
    notes: z.string().nullable().optional(),
    source_name: z.string().nullable().optional(),
    destination_name: z.string().nullable().optional(),
  })
  .loose();
const transactionReadSchema = z.object({
  id: z.string(),
  attributes: z.object({ transactions: z.array(splitSchema) }).loose(),
});
const transactionSingleSchema = z.object({ data: transactionReadSchema });
const transactionArraySchema = z.object({ data: z.array(transactionReadSchema) });

const currencyArraySchema = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      attributes: z
        .object({ code: z.string(), enabled: z.boolean().optional(), decimal_places: z.number().optional() })
        .loose(),
    }),
  ),
});

const validationSchema = z.object({
  message: z.string().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
});

export type FireflyAccount = { id: string } & z.infer<typeof accountAttributesSchema>;
export interface FireflyGroup {
  groupId: string;
  journalId: string | null;
  externalId: string | null;
  tags: string[];
  /** The first split as Firefly holds it now (what a person may have edited there). */
  split: Partial<TransactionSplitBody>;
}

/** The body of POST /api/v1/transactions (TransactionStore in the spec). */
export interface TransactionStoreBody {
  error_if_duplicate_hash?: boolean;
  apply_rules?: boolean;
  fire_webhooks?: boolean;
  group_title?: string | null;
  transactions: TransactionSplitBody[];
}

export interface TransactionSplitBody {
  type: 'withdrawal' | 'deposit' | 'transfer';
  date: string;
  amount: string;
  description: string;
  currency_code?: string | null;
  source_id?: string | null;
  source_name?: string | null;
  destination_id?: string | null;
  destination_name?: string | null;
  category_name?: string | null;
  tags?: string[] | null;
  notes?: string | null;
  external_id?: string | null;
  internal_reference?: string | null;
  book_date?: string | null;
  process_date?: string | null;
  order?: number | null;
  transaction_journal_id?: string;
}

export interface TransactionUpdateBody {
  apply_rules?: boolean;
  fire_webhooks?: boolean;
  group_title?: string | null;
  transactions: Partial<TransactionSplitBody>[];
}

export interface AccountStoreBody {
  name: string;
  type: 'asset' | 'liabilities';
  currency_code: string;
  active?: boolean;
  include_net_worth?: boolean;
  account_role?: 'defaultAsset' | 'savingAsset' | 'sharedAsset' | 'ccAsset' | 'cashWalletAsset';
  account_number?: string | null;
  liability_type?: 'loan' | 'debt' | 'mortgage';
  liability_direction?: 'credit' | 'debit';
  interest?: string;
  interest_period?: 'daily' | 'monthly' | 'yearly';
  opening_balance?: string;
  opening_balance_date?: string;
  notes?: string | null;
}

/** Compares dotted versions ("6.1.2"); `develop` and branch builds count as new enough. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const clean = version.trim().replace(/^v/i, '');
  if (!/^\d/.test(clean)) return true;
  const a = clean.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const b = minimum.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

function describeZod(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export class FireflyClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  /** Requests sent, by "METHOD /path" (for reports and benchmarks). */
  readonly counts = new Map<string, number>();
  requests = 0;

  constructor(private readonly options: FireflyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '').replace(/\/api$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = retryPolicy({
      budgetMs: options.retryBudgetMs ?? 120_000,
      baseDelayMs: options.retryDelayMs ?? 500,
      maxDelayMs: options.maxRetryDelayMs ?? 30_000,
      ...(options.random ? { random: options.random } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    this.fetchImpl = options.fetch ?? fetch;
  }

  async about(): Promise<{ version: string; apiVersion: string | null }> {
    // The first contact: a Firefly that is down or misaddressed is said within seconds, not after
    // the whole retry budget (which is for riding out a busy server during a delivery).
    const body = await this.call('GET', '/api/v1/about', undefined, aboutSchema, 'such resource', {
      budgetMs: FIRST_CONTACT_BUDGET_MS,
    });
    return { version: body.data.version, apiVersion: body.data.api_version ?? null };
  }

  /** The version check every run starts with; refuses Firefly III older than 6.0. */
  async checkVersion(): Promise<string> {
    const { version } = await this.about();
    if (!versionAtLeast(version, MINIMUM_FIREFLY_VERSION)) throw new FireflyVersionError(version);
    return version;
  }

  async listAccounts(type: 'asset' | 'liabilities' | 'all' = 'all'): Promise<FireflyAccount[]> {
    const out: FireflyAccount[] = [];
    for (let page = 1; ; page++) {
      const body = await this.call(
        'GET',
        `/api/v1/accounts?type=${type}&page=${page}&limit=500`,
        undefined,
        accountArraySchema.and(paginationSchema),
      );
      for (const a of body.data) out.push({ id: a.id, ...a.attributes });
      const total = body.meta?.pagination?.total_pages ?? 1;
      if (page >= total || body.data.length === 0) return out;
    }
  }

  async getAccount(id: string): Promise<FireflyAccount> {
    const body = await this.call(
      'GET',
      `/api/v1/accounts/${encodeURIComponent(id)}`,
      undefined,
      accountSingleSchema,
      `account #${id}`,
    );
    return { id: body.data.id, ...body.data.attributes };
  }

  async createAccount(account: AccountStoreBody): Promise<FireflyAccount> {
    const body = await this.call('POST', '/api/v1/accounts', account, accountSingleSchema);
    return { id: body.data.id, ...body.data.attributes };
  }

  async listCurrencies(): Promise<{ code: string; enabled: boolean }[]> {
    const body = await this.call('GET', '/api/v1/currencies?limit=500', undefined, currencyArraySchema);
    return body.data.map((c) => ({ code: c.attributes.code, enabled: c.attributes.enabled ?? true }));
  }

  /**
   * Stores one transaction group. Firefly's duplicate-hash answer comes back as
   * `{duplicateOf: groupId}` rather than an error: the transaction is already there.
   */
  async storeTransaction(
    group: TransactionStoreBody,
  ): Promise<{ created: FireflyGroup } | { duplicateOf: string }> {
    try {
      const body = await this.call('POST', '/api/v1/transactions', group, transactionSingleSchema);
      return { created: toGroup(body.data) };
    } catch (err) {
      if (err instanceof FireflyValidationError) {
        const dup = err.duplicateOf();
        if (dup) return { duplicateOf: dup };
      }
      throw err;
    }
  }

  async getTransaction(groupId: string): Promise<FireflyGroup> {
    const body = await this.call(
      'GET',
      `/api/v1/transactions/${encodeURIComponent(groupId)}`,
      undefined,
      transactionSingleSchema,
      `transaction #${groupId}`,
    );
    return toGroup(body.data);
  }

  async updateTransaction(groupId: string, update: TransactionUpdateBody): Promise<FireflyGroup> {
    const body = await this.call(
      'PUT',
      `/api/v1/transactions/${encodeURIComponent(groupId)}`,
      update,
      transactionSingleSchema,
      `transaction #${groupId}`,
    );
    return toGroup(body.data);
  }

  async deleteTransaction(groupId: string): Promise<void> {
    try {
      await this.call('DELETE', `/api/v1/transactions/${encodeURIComponent(groupId)}`, undefined, null);
    } catch (err) {
      // Already gone is what we wanted.
      if (!(err instanceof FireflyNotFoundError)) throw err;
    }
  }

  /** Groups whose split has exactly this external_id (Firefly's `external_id_is:` search operator). */
  async findByExternalId(externalId: string): Promise<FireflyGroup[]> {
    const query = `external_id_is:"${externalId.replace(/"/g, '\\"')}"`;
    const body = await this.call(
      'GET',
      `/api/v1/search/transactions?query=${encodeURIComponent(query)}&limit=50`,
      undefined,
      transactionArraySchema,
    );
    return body.data.map(toGroup).filter((g) => g.externalId === externalId);
  }

  private count(method: Method, path: string): void {
    this.requests++;
    const key = `${method} ${path.split('?')[0]!.replace(/\/\d+$/, '/{id}')}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private call<T>(
    method: Method,
    path: string,
    body: unknown,
    schema: z.ZodType<T> | null,
    what = 'such resource',
    limits: { budgetMs?: number } = {},
  ): Promise<T> {
    const safeToRepeat = method !== 'POST';
    const budgetS = Math.round(this.policy.budgetMs / 1000);
    return withRetry(this.policy, () => this.once(method, path, body, schema, what), {
      ...limits,
      classify: (err) => {
        // 429: not processed, whatever the method. Anything else is repeated only when harmless.
        if (err instanceof FireflyRateLimitedError) return { retry: true, retryAfterMs: err.retryAfterMs };
        const transient =
          err instanceof FireflyUnreachableError ||
          (err instanceof FireflyError && err.status !== null && err.status >= 500);
        return transient && safeToRepeat ? { retry: true, retryAfterMs: null } : { retry: false };
      },
      overBudget: (err, _waitMs, retryAfterMs) =>
        err instanceof FireflyRateLimitedError
          ? new FireflyRateLimitedError(
              retryAfterMs,
              retryAfterMs !== null && retryAfterMs > this.policy.budgetMs / 2
                ? `Firefly III asks to wait ${Math.ceil(retryAfterMs / 1000)} s before more requests (Retry-After), longer than the retry budget of ${budgetS} s (FIREFLY_III_RETRY_BUDGET_MS); the run stopped: run it again later`
                : `Firefly III kept answering 429 (too many requests) for ${budgetS} s (FIREFLY_III_RETRY_BUDGET_MS); the run stopped: run it again later`,
            )
          : err,
    });
  }

  /** One request: the parsed answer, or a typed error. */
  private async once<T>(
    method: Method,
    path: string,
    body: unknown,
    schema: z.ZodType<T> | null,
    what: string,
  ): Promise<T> {
    const safeToRepeat = method !== 'POST';
    this.count(method, path);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          Authorization: `Bearer ${this.options.token}`,
          'User-Agent': 'sophtron-sync',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const why =
        err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
          ? `no answer within ${this.timeoutMs} ms`
          : `cannot connect (${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)})`;
      if (!safeToRepeat) throw new FireflyUnknownOutcomeError(`Firefly III ${method} ${path}: ${why}`);
      throw new FireflyUnreachableError(`Firefly III at ${this.baseUrl}: ${why}`);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      if (schema === null) return undefined as T;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new FireflyError(
          `Firefly III ${method} ${path} answered with something that is not JSON`,
          res.status,
        );
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new FireflyError(
          `Firefly III ${method} ${path} answered in an unexpected shape: ${describeZod(parsed.error)}`,
          res.status,
        );
      }
      return parsed.data;
    }
    if (res.status === 401) throw new FireflyAuthError();
    if (res.status === 404 || res.status === 410) throw new FireflyNotFoundError(what, res.status);
    if (res.status === 422) {
      let parsed: z.infer<typeof validationSchema> = {};
      try {
        parsed = validationSchema.parse(JSON.parse(text));
      } catch {
        // an unreadable 422 still says "rejected"
      }
      const errors = Object.entries(parsed.errors ?? {}).map(([field, messages]) => ({ field, messages }));
      throw new FireflyValidationError(errors, parsed.message ?? 'validation failed');
    }
    const message = readMessage(text);
    const said = `Firefly III ${method} ${path} failed with HTTP ${res.status}${message ? `: ${message}` : ''}`;
    if (res.status === 429)
      throw new FireflyRateLimitedError(
        parseRetryAfter(res.headers.get('retry-after'), this.policy.now()),
        said,
      );
    // A 5xx after the body was read may still have stored it.
    if (!safeToRepeat && res.status >= 500) throw new FireflyUnknownOutcomeError(said);
    throw new FireflyError(said, res.status);
  }
}

function readMessage(text: string): string | null {
  try {
    const m = z.object({ message: z.string() }).safeParse(JSON.parse(text));
    return m.success ? m.data.message.slice(0, 300) : null;
  } catch {
    return null;
  }
}

function toGroup(read: z.infer<typeof transactionReadSchema>): FireflyGroup {
  const split = read.attributes.transactions[0];
  return {
    groupId: read.id,
    journalId: split?.transaction_journal_id ?? null,
    externalId: split?.external_id ?? null,
    tags: split?.tags ?? [],
    split: {
      type: split?.type as TransactionSplitBody['type'],
      description: split?.description ?? '',
      category_name: split?.category_name ?? null,
      notes: split?.notes ?? null,
      source_name: split?.source_name ?? null,
      destination_name: split?.destination_name ?? null,
    },
  };
}

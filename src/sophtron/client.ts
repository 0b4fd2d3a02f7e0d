// Long because: one private request() (signing, timeouts, retries, typed errors) and one short method per Sophtron operation; the methods close over request()'s state (counts, budget), so they live in one factory.
/**
 * The Sophtron client over HTTP: one private `request` that signs, times out, stays on one origin,
 * retries reads (never writes) within a time budget, counts calls, and maps failures to typed
 * errors; then one small method per operation that parses the answer into domain values.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { CredentialCheck, NewConnection, SophtronApi } from './api.js';
import { normalizeBaseUrl } from './base-url.js';
import {
  SophtronConfigError,
  SophtronError,
  SophtronInvalidResponseError,
  SophtronNetworkError,
  SophtronNotFoundError,
  SophtronRateLimitedError,
  SophtronRefusedError,
  SophtronTimeoutError,
  errorFromResponse,
  shortEndpoint,
} from './errors.js';
import { isCalendarDate } from '../dates.js';
import { retryPolicy, withRetry } from '../http/retry.js';
import { dateWindows } from './parse.js';
import {
  type JobInfo,
  parseAccount,
  parseAccounts,
  parseAnswerResult,
  parseConnection,
  parseConnections,
  parseInstitution,
  parseInstitutions,
  parseJob,
  parseJobTracker,
  parseTransactions,
} from './schemas.js';
import { isValidAccessKey, sign } from './signing.js';
import { sleep as abortableSleep } from '../sleep.js';
import type {
  ChallengeAnswer,
  Institution,
  ProviderAccountData,
  ProviderTransactionData,
} from '../domain/types.js';

export interface SophtronClientOptions {
  userId: string | undefined;
  accessKey: string | undefined;
  /** Default https://api.sophtron.com/api; "/api", a trailing "/" or "/v2" may be given or not. */
  baseUrl?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Longest total time spent retrying one read; default 120 s; 0 turns retries off. */
  retryBudgetMs?: number;
  /** Transactions are read in windows of at most this many days; default 90. */
  windowDays?: number;
  fetch?: typeof fetch;
  /** Called once per HTTP request sent, with the endpoint name (for a monthly call budget). */
  onCall?(endpoint: string): void;
  logger?: Logger;
  /** In [0, 1); the jitter source (tests make it fixed). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** First retry delay before jitter; default 500 ms. Later ones double up to maxRetryDelayMs. */
  retryBaseDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface SophtronClient extends SophtronApi {
  /** The normalised base URL every request goes to. */
  readonly baseUrl: string;
  /** The job with the ids and texts around its state. */
  getJobInfo(jobId: string): Promise<JobInfo>;
}

interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  /** Reads are retried; calls that create or answer something never are. */
  read: boolean;
  /** The answer is plain text (the health check), not JSON. */
  text?: boolean;
}

const ep = (name: string, method: 'GET' | 'POST', read: boolean, text = false): Endpoint => ({
  name,
  method,
  read,
  text,
});

export const ENDPOINTS = {
  health: ep('Institution/HealthCheckAuth', 'GET', true, true),
  institutionsByName: ep('Institution/GetInstitutionByName', 'POST', true),
  institutionById: ep('Institution/GetInstitutionByID', 'POST', true),
  connections: ep('UserInstitution/GetUserInstitutionsByUser', 'POST', true),
  connectionById: ep('UserInstitution/GetUserInstitutionByID', 'POST', true),
  createConnection: ep('UserInstitution/CreateUserInstitution', 'POST', false),
  createVerification: ep('UserInstitution/CreateUserInstitutionWithFullAccountNumbers', 'POST', false),
  updateConnection: ep('UserInstitution/UpdateUserInstitution', 'POST', false),
  deleteConnection: ep('UserInstitution/DeleteUserInstitution', 'POST', false),
  // A refresh only starts a job: starting it twice is harmless, so it is retried like a read.
  refreshConnection: ep('UserInstitution/RefreshUserInstitution', 'POST', true),
  accounts: ep('UserInstitution/GetUserInstitutionAccounts', 'POST', true),
  accountById: ep('UserInstitutionAccount/GetUserInstitutionAccountByID', 'POST', true),
  refreshAccount: ep('UserInstitutionAccount/RefreshUserInstitutionAccount', 'POST', true),
  accountSelect: ep('UserInstitutionAccount/GetFullAccountNumberWithinJob', 'POST', false),
  transactions: ep('Transaction/GetTransactionsByTransactionDate', 'POST', true),
  job: ep('Job/GetJobInformationByID', 'POST', true),
  securityAnswer: ep('Job/UpdateJobSecurityAnswer', 'POST', false),
  tokenInput: ep('Job/UpdateJobTokenInput', 'POST', false),
  captcha: ep('Job/UpdateJobCaptcha', 'POST', false),
  captchaInput: ep('Job/UpdateJobCaptchaInput', 'POST', false),
} as const;

const USER_AGENT = 'sophtron-sync';

/** "Test credentials" answers a person within seconds: a short retry budget and request timeout. */
export const TEST_CREDENTIALS_LIMITS = { budgetMs: 5_000, timeoutMs: 10_000 } as const;

/** Why these credentials cannot be used, or null when they look right. Never echoes the key. */
export function credentialProblem(userId: string | undefined, accessKey: string | undefined): string | null {
  const u = userId?.trim() ?? '';
  const k = accessKey?.trim() ?? '';
  if (!u && !k) return 'Sophtron credentials are missing: set SOPHTRON_USER_ID and SOPHTRON_ACCESS_KEY';
  if (!u) return 'The Sophtron User ID is missing: set SOPHTRON_USER_ID';
  if (!k) return 'The Sophtron Access Key is missing: set SOPHTRON_ACCESS_KEY';
  if (/[\s:]/.test(u))
    return 'the User ID must be the ID shown in the Sophtron dashboard (no spaces or colons)';
  if (!isValidAccessKey(k)) return 'the Access Key must be the base64 text shown in the Sophtron dashboard';
  return null;
}

export function createSophtronClient(options: SophtronClientOptions): SophtronClient {
  const problem = credentialProblem(options.userId, options.accessKey);
  if (problem) throw new SophtronConfigError(problem);
  const userId = options.userId!.trim();
  const accessKey = options.accessKey!.trim();
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const origin = new URL(baseUrl).origin;
  const clientTimeoutMs = options.timeoutMs ?? 30_000;
  const budgetMs = options.retryBudgetMs ?? 120_000;
  const windowDays = options.windowDays ?? 90;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const policy = retryPolicy({
    budgetMs,
    baseDelayMs: options.retryBaseDelayMs ?? 500,
    maxDelayMs: options.maxRetryDelayMs ?? 30_000,
    random: options.random ?? Math.random,
    now,
    sleep: options.sleep ?? abortableSleep,
  });
  const log = options.logger;
  const counts: Record<string, number> = {};
  let captchaEndpoint: Endpoint = ENDPOINTS.captcha;
  /** Verification jobs whose account pick was accepted: they no longer ask while they finish. */
  const accountPicked = new Set<string>();

  interface CallOptions {
    /** Values sent with this call that must never come back in an error (bank passwords). */
    secrets?: (string | null | undefined)[];
    signal?: AbortSignal;
    /** This call's retry budget and request timeout when shorter than the client's. */
    budgetMs?: number;
    timeoutMs?: number;
  }

  async function once(
    e: Endpoint,
    body: unknown,
    secrets: (string | null | undefined)[],
    signal?: AbortSignal,
    timeoutMs = clientTimeoutMs,
  ) {
    const url = `${baseUrl}/${e.name}`;
    // The one place a request leaves the process: never anywhere but the configured origin.
    if (new URL(url).origin !== origin) {
      throw new SophtronRefusedError(`Refused to send a Sophtron request outside ${origin}`, {
        endpoint: e.name,
      });
    }
    const headers: Record<string, string> = {
      Authorization: sign(e.method, url, userId, accessKey),
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    };
    if (e.method === 'POST') headers['Content-Type'] = 'application/json';
    counts[e.name] = (counts[e.name] ?? 0) + 1;
    options.onCall?.(e.name);

    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const started = now();
    const transportError = (cause: unknown): Error => {
      if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new Error('Aborted');
      if (timeout.aborted) {
        return new SophtronTimeoutError(`Sophtron did not answer ${e.name} within ${timeoutMs} ms`, {
          endpoint: e.name,
          cause,
        });
      }
      return new SophtronNetworkError(origin, { endpoint: e.name, cause });
    };
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(url, {
        method: e.method,
        headers,
        body: e.method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
        signal: combined,
        redirect: 'manual',
      });
    } catch (cause) {
      throw transportError(cause);
    }
    if ((res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect') {
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get('location');
      let where = 'another address';
      try {
        if (location) where = new URL(location, url).origin;
      } catch {
        // unreadable Location: keep the generic text
      }
      throw new SophtronRefusedError(
        `Sophtron answered ${e.name} with a redirect to ${where}; not followed (requests stay on ${origin})`,
        { endpoint: e.name, status: res.status },
      );
    }
    try {
      text = await res.text();
    } catch (cause) {
      const err = transportError(cause);
      // The answer started and broke off: a cut-off answer, retried like a garbled one.
      if (!(err instanceof SophtronNetworkError)) throw err;
      throw new SophtronInvalidResponseError(
        `Sophtron's ${shortEndpoint(e.name)} answer was cut off`,
        { endpoint: e.name, status: res.status, cause },
        true,
      );
    }
    log?.debug({ endpoint: e.name, status: res.status, ms: now() - started }, 'sophtron call');
    if (!res.ok)
      throw errorFromResponse(e.name, res.status, res.headers, text, [accessKey, ...secrets], now());
    if (e.text) return text;
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new SophtronInvalidResponseError(
        `Sophtron's ${shortEndpoint(e.name)} answer is not valid JSON (it may have been cut off)`,
        { endpoint: e.name, status: res.status, cause },
        true,
      );
    }
  }

  /**
   * Reads retry network errors, timeouts, 408, 429, 5xx and garbled bodies with exponential
   * backoff and full jitter (or the server's Retry-After), while the total stays in the budget;
   * then the last error is thrown as is, so a lasting 429 surfaces as RateLimited, never as "no data".
   */
  async function request(e: Endpoint, body: unknown, call: CallOptions = {}): Promise<unknown> {
    const timeout = Math.min(clientTimeoutMs, call.timeoutMs ?? clientTimeoutMs);
    const attempt = (n: number) =>
      once(e, body, call.secrets ?? [], call.signal, timeout).catch((err: unknown) => {
        // How many retries came before this error (its message says whether the budget ran out).
        if (err instanceof SophtronError) err.retries = n - 1;
        throw err;
      });
    return withRetry(policy, attempt, {
      classify: (err) =>
        err instanceof SophtronError && err.transient && e.read
          ? { retry: true, retryAfterMs: err instanceof SophtronRateLimitedError ? err.retryAfterMs : null }
          : { retry: false },
      onRetry: (err, attempt, wait) => {
        const problem = err instanceof SophtronError ? err : null;
        log?.warn(
          { endpoint: e.name, attempt, waitMs: Math.round(wait), problem: problem?.kind },
          `retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt}): ${problem?.message ?? String(err)}`,
        );
      },
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.budgetMs !== undefined ? { budgetMs: call.budgetMs } : {}),
    });
  }

  const jobTracker = (e: Endpoint, body: unknown) => parseJobTracker(e.name, body);

  async function answer(e: Endpoint, body: Record<string, unknown>, secret: string | null): Promise<boolean> {
    return parseAnswerResult(e.name, await request(e, body, { secrets: [secret] }));
  }

  const client: SophtronClient = {
    baseUrl,

    async testCredentials(): Promise<CredentialCheck> {
      try {
        // Someone is waiting for this answer: seconds, not the minutes a background read may take.
        await request(ENDPOINTS.health, undefined, TEST_CREDENTIALS_LIMITS);
        return { result: 'accepted' };
      } catch (err) {
        if (err instanceof SophtronError && (err.kind === 'auth' || err.kind === 'forbidden')) {
          return { result: 'rejected', message: 'Sophtron rejected this User ID or Access Key' };
        }
        if (err instanceof SophtronNotFoundError) {
          return {
            result: 'unreachable',
            message: `No Sophtron API answers at ${baseUrl}; check SOPHTRON_BASE_URL`,
          };
        }
        if (err instanceof SophtronError) return { result: 'unreachable', message: err.message };
        throw err;
      }
    },

    async searchInstitutions(name) {
      const e = ENDPOINTS.institutionsByName;
      const found = parseInstitutions(e.name, await request(e, { InstitutionName: name.trim() }));
      const seen = new Map<string, Institution>();
      for (const i of found) if (!seen.has(i.id)) seen.set(i.id, i);
      return [...seen.values()];
    },

    async getInstitution(institutionId) {
      const e = ENDPOINTS.institutionById;
      return parseInstitution(e.name, await request(e, { InstitutionID: institutionId }));
    },

    async listConnections() {
      const e = ENDPOINTS.connections;
      return parseConnections(e.name, await request(e, { UserID: userId }));
    },

    async getConnection(userInstitutionId) {
      const e = ENDPOINTS.connectionById;
      return parseConnection(e.name, await request(e, { UserInstitutionID: userInstitutionId }));
    },

    async createConnection(input: NewConnection) {
      const e = input.verification ? ENDPOINTS.createVerification : ENDPOINTS.createConnection;
      const body = {
        UserID: userId,
        InstitutionID: input.institutionId,
        UserName: input.username,
        Password: input.password,
        PIN: input.pin ?? '',
      };
      const t = jobTracker(e, await request(e, body, { secrets: [input.password, input.pin] }));
      if (!t.userInstitutionId) {
        throw new SophtronInvalidResponseError(
          `Sophtron's CreateUserInstitution answer is missing UserInstitutionID`,
          {
            endpoint: e.name,
          },
        );
      }
      return { jobId: t.jobId, userInstitutionId: t.userInstitutionId };
    },

    async refreshConnection(userInstitutionId) {
      const e = ENDPOINTS.refreshConnection;
      const t = jobTracker(e, await request(e, { UserInstitutionID: userInstitutionId }));
      return { jobId: t.jobId };
    },

    async updateConnection(userInstitutionId, login) {
      const e = ENDPOINTS.updateConnection;
      const body = {
        UserInstitutionID: userInstitutionId,
        UserName: login.username,
        Password: login.password,
        PIN: '',
      };
      const t = jobTracker(e, await request(e, body, { secrets: [login.password] }));
      return { jobId: t.jobId };
    },

    async deleteConnection(userInstitutionId) {
      const e = ENDPOINTS.deleteConnection;
      const res = await request(e, { UserInstitutionID: userInstitutionId });
      // Sophtron answers a status number; -1 means it did not delete.
      if ((typeof res === 'number' || typeof res === 'string') && !parseAnswerResult(e.name, res)) {
        throw new SophtronError('bad_request', `Sophtron did not delete connection ${userInstitutionId}`, {
          endpoint: e.name,
        });
      }
    },

    async listAccounts(userInstitutionId) {
      const e = ENDPOINTS.accounts;
      return parseAccounts(
        e.name,
        await request(e, { UserInstitutionID: userInstitutionId }),
        userInstitutionId,
      );
    },

    async getAccount(accountId) {
      const e = ENDPOINTS.accountById;
      return parseAccount(e.name, await request(e, { AccountID: accountId }));
    },

    async refreshAccount(accountId) {
      const e = ENDPOINTS.refreshAccount;
      const t = jobTracker(e, await request(e, { AccountID: accountId }));
      return { jobId: t.jobId };
    },

    async getTransactions(accountId, from, to) {
      if (!isCalendarDate(from))
        throw new RangeError(`from must be a date YYYY-MM-DD (got ${JSON.stringify(from)})`);
      if (!isCalendarDate(to))
        throw new RangeError(`to must be a date YYYY-MM-DD (got ${JSON.stringify(to)})`);
      const e = ENDPOINTS.transactions;
      const merged = new Map<string, ProviderTransactionData>();
      for (const w of dateWindows(from, to, windowDays)) {
        const body = { AccountID: accountId, StartDate: w.from, EndDate: w.to };
        for (const t of parseTransactions(e.name, await request(e, body), accountId)) {
          const had = merged.get(t.transactionId);
          // The same id in two windows: the posted form wins over the pending one.
          if (!had || (had.status === 'pending' && t.status === 'posted')) merged.set(t.transactionId, t);
        }
      }
      return [...merged.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    },

    async getJob(jobId) {
      return (await client.getJobInfo(jobId)).state;
    },

    async getJobInfo(jobId) {
      const e = ENDPOINTS.job;
      const info = parseJob(e.name, await request(e, { JobID: jobId }));
      // A verification job at AccountsReady waits for the person to pick one account (§5.2 step 3).
      const picking =
        info.state.state === 'accounts_ready' &&
        /verif/i.test(info.jobType ?? '') &&
        info.userInstitutionId !== null &&
        !accountPicked.has(jobId.toLowerCase());
      if (!picking) return info;
      const accounts = await client.listAccounts(info.userInstitutionId!);
      if (accounts.length === 0) return info;
      return {
        ...info,
        state: { state: 'challenge', challenge: { kind: 'account_select', accounts: accounts.map(choice) } },
      };
    },

    async answerChallenge(jobId, a: ChallengeAnswer) {
      switch (a.kind) {
        case 'security_questions':
          return answer(
            ENDPOINTS.securityAnswer,
            { JobID: jobId, SecurityAnswer: JSON.stringify(a.answers) },
            JSON.stringify(a.answers),
          );
        case 'token_method':
          return answer(
            ENDPOINTS.tokenInput,
            { JobID: jobId, TokenChoice: a.method, TokenInput: null, VerifyPhoneFlag: null },
            null,
          );
        case 'token_input':
          return answer(
            ENDPOINTS.tokenInput,
            { JobID: jobId, TokenChoice: null, TokenInput: a.code, VerifyPhoneFlag: null },
            a.code,
          );
        case 'token_read':
          return answer(
            ENDPOINTS.tokenInput,
            { JobID: jobId, TokenChoice: null, TokenInput: null, VerifyPhoneFlag: true },
            null,
          );
        case 'captcha': {
          const body = { JobID: jobId, CaptchaInput: a.text };
          try {
            return await answer(captchaEndpoint, body, null);
          } catch (err) {
            // Clients disagree on the captcha route (§4.6); use the other one if this one is unknown.
            if (!(err instanceof SophtronNotFoundError) || captchaEndpoint === ENDPOINTS.captchaInput)
              throw err;
            captchaEndpoint = ENDPOINTS.captchaInput;
            return answer(captchaEndpoint, body, null);
          }
        }
        case 'account_select': {
          // The answer may carry the account with its full number: only accepted/refused is kept.
          const e = ENDPOINTS.accountSelect;
          const res = await request(e, { JobID: jobId, AccountID: a.accountId });
          const ok = typeof res === 'object' && res !== null ? true : parseAnswerResult(e.name, res);
          if (ok) accountPicked.add(jobId.toLowerCase());
          return ok;
        }
      }
    },

    callCounts() {
      return { ...counts };
    },
  };
  return client;
}

/** An account as a choice: its name and masked number only, never a full number. */
function choice(a: ProviderAccountData): { accountId: string; name: string } {
  return { accountId: a.accountId, name: a.numberMask ? `${a.name} (${a.numberMask})` : a.name };
}

/** A client from the settings (SOPHTRON_USER_ID, SOPHTRON_ACCESS_KEY, SOPHTRON_BASE_URL, …). */
export function createSophtronClientFromConfig(
  config: Pick<
    Config,
    | 'sophtronUserId'
    | 'sophtronAccessKey'
    | 'sophtronBaseUrl'
    | 'sophtronTimeoutMs'
    | 'sophtronRetryBudgetMs'
    | 'sophtronWindowDays'
  >,
  overrides: Partial<SophtronClientOptions> = {},
): SophtronClient {
  return createSophtronClient({
    userId: config.sophtronUserId,
    accessKey: config.sophtronAccessKey,
    baseUrl: config.sophtronBaseUrl,
    timeoutMs: config.sophtronTimeoutMs,
    retryBudgetMs: config.sophtronRetryBudgetMs,
    windowDays: config.sophtronWindowDays,
    ...overrides,
  });
}

/**
 * What can go wrong talking to Sophtron, as one error family. `message` is written for a person;
 * `cause` keeps the low-level detail for logs. No message or property ever holds the Access Key or a
 * bank password: texts that came back from the server are scrubbed of the secrets sent with the call.
 */
import { parseRetryAfter } from '../http/retry.js';

export type SophtronErrorKind =
  | 'config'
  | 'bad_request'
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'invalid_response'
  | 'refused';

export interface SophtronErrorDetails {
  /** Endpoint name, e.g. "UserInstitution/GetUserInstitutionAccounts". */
  endpoint?: string;
  status?: number;
  cause?: unknown;
}

export class SophtronError extends Error {
  readonly kind: SophtronErrorKind;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  /** Whether trying the same read again later may succeed. */
  readonly transient: boolean;
  /** How often the client tried again before giving up (set by the client's request loop). */
  retries = 0;

  constructor(
    kind: SophtronErrorKind,
    message: string,
    details: SophtronErrorDetails = {},
    transient = false,
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SophtronError';
    this.kind = kind;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.transient = transient;
  }
}

/** Bad settings: missing or malformed credentials, a base URL we refuse. Raised before any call. */
export class SophtronConfigError extends SophtronError {
  constructor(message: string) {
    super('config', message);
    this.name = 'SophtronConfigError';
  }
}

export class SophtronBadRequestError extends SophtronError {
  constructor(message: string, details: SophtronErrorDetails) {
    super('bad_request', message, details);
    this.name = 'SophtronBadRequestError';
  }
}

export class SophtronAuthError extends SophtronError {
  constructor(details: SophtronErrorDetails) {
    super('auth', 'Sophtron rejected this User ID or Access Key', details);
    this.name = 'SophtronAuthError';
  }
}

export class SophtronForbiddenError extends SophtronError {
  constructor(details: SophtronErrorDetails) {
    super(
      'forbidden',
      'Sophtron rejected this User ID or Access Key (access forbidden for this request)',
      details,
    );
    this.name = 'SophtronForbiddenError';
  }
}

export class SophtronNotFoundError extends SophtronError {
  constructor(message: string, details: SophtronErrorDetails) {
    super('not_found', message, details);
    this.name = 'SophtronNotFoundError';
  }
}

export class SophtronRateLimitedError extends SophtronError {
  /** How long Sophtron asked us to wait (Retry-After), when it said so. */
  readonly retryAfterMs: number | null;
  constructor(retryAfterMs: number | null, details: SophtronErrorDetails) {
    const wait = retryAfterMs === null ? '' : ` (it asks to wait ${Math.ceil(retryAfterMs / 1000)} s)`;
    super('rate_limited', `Sophtron is limiting the request rate; try again later${wait}`, details, true);
    this.name = 'SophtronRateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}

export class SophtronServerError extends SophtronError {
  constructor(details: SophtronErrorDetails & { status: number }) {
    super('server', `Sophtron had a server error (HTTP ${details.status}); try again later`, details, true);
    this.name = 'SophtronServerError';
  }
}

export class SophtronNetworkError extends SophtronError {
  constructor(origin: string, details: SophtronErrorDetails) {
    super('network', `Could not reach Sophtron at ${origin} (network error)`, details, true);
    this.name = 'SophtronNetworkError';
  }
}

export class SophtronTimeoutError extends SophtronError {
  constructor(message: string, details: SophtronErrorDetails) {
    super('timeout', message, details, true);
    this.name = 'SophtronTimeoutError';
  }
}

export class SophtronInvalidResponseError extends SophtronError {
  /** `transient`: a cut-off or garbled body worth reading again; a wrong shape is not. */
  constructor(message: string, details: SophtronErrorDetails, transient = false) {
    super('invalid_response', message, details, transient);
    this.name = 'SophtronInvalidResponseError';
  }
}

/** A request we will not send or an answer we will not follow (another origin, a redirect). */
export class SophtronRefusedError extends SophtronError {
  constructor(message: string, details: SophtronErrorDetails = {}) {
    super('refused', message, details);
    this.name = 'SophtronRefusedError';
  }
}

/** "Transaction/GetTransactionsByTransactionDate" → "GetTransactionsByTransactionDate". */
export function shortEndpoint(endpoint: string): string {
  return endpoint.slice(endpoint.lastIndexOf('/') + 1);
}

/** Replaces every occurrence of the given secrets (longer than 2 chars) in a text. */
export function scrub(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length > 2) out = out.split(s).join('[redacted]');
  return out;
}

/** The server's own short message from an error body ({"Message": "..."}), scrubbed; null if none. */
function serverMessage(body: string, secrets: readonly (string | null | undefined)[]): string | null {
  let text: string | null = null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'string') text = parsed;
    else if (parsed && typeof parsed === 'object') {
      for (const [k, v] of Object.entries(parsed)) {
        if (/^(message|error|errormessage|detail)$/i.test(k) && typeof v === 'string') text = v;
      }
    }
  } catch {
    text = body.trim().length > 0 && body.length < 300 && !/[<>]/.test(body) ? body.trim() : null;
  }
  if (!text) return null;
  return scrub(text, secrets).slice(0, 200);
}

/**
 * The one factory from an HTTP answer to an error (stripe-node's generateV1Error, Actual's
 * handleGoCardlessError). `secrets` are the values sent with the call that must not come back out.
 */
export function errorFromResponse(
  endpoint: string,
  status: number,
  headers: { get(name: string): string | null },
  body: string,
  secrets: readonly (string | null | undefined)[] = [],
  now: number = Date.now(),
): SophtronError {
  const details: SophtronErrorDetails = {
    endpoint,
    status,
    cause: new Error(`HTTP ${status} from ${endpoint}: ${scrub(body, secrets).slice(0, 500)}`),
  };
  const said = serverMessage(body, secrets);
  const name = shortEndpoint(endpoint);
  if (status === 401) return new SophtronAuthError(details);
  if (status === 403) return new SophtronForbiddenError(details);
  if (status === 404) {
    return new SophtronNotFoundError(
      `Sophtron found nothing for ${name}${said ? `: ${said}` : ''} (HTTP 404)`,
      details,
    );
  }
  if (status === 429)
    return new SophtronRateLimitedError(parseRetryAfter(headers.get('retry-after'), now), details);
  if (status === 408)
    return new SophtronTimeoutError('Sophtron timed out handling the request (HTTP 408)', details);
  if (status >= 500) return new SophtronServerError({ ...details, status });
  return new SophtronBadRequestError(
    `Sophtron refused ${name} (HTTP ${status})${said ? `: ${said}` : ''}`,
    details,
  );
}

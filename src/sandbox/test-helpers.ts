/**
 * Test helpers: signed calls to a running sandbox over real HTTP. Signing reuses the client's
 * pure signing function (src/sophtron/signing.ts); `variant` builds the other AuthPath forms
 * clients ship to prove the sandbox accepts them.
 */
import { signature, sign } from '../sophtron/signing.js';
import type { SandboxUser } from './state.js';

export type SigningVariant = 'A' | 'A-prime' | 'B' | 'C';

export function authHeader(
  method: string,
  url: string,
  user: SandboxUser,
  variant: SigningVariant = 'A',
): string {
  if (variant === 'A') return sign(method, url, user.userId, user.accessKey);
  const u = new URL(url);
  const lastSegment = u.pathname.slice(u.pathname.lastIndexOf('/')).toLowerCase();
  const path =
    variant === 'A-prime'
      ? lastSegment
      : variant === 'B'
        ? `${lastSegment}${u.search.toLowerCase()}`
        : u.pathname.slice(u.pathname.toLowerCase().indexOf('/api/') + 4).toLowerCase();
  return `FIApiAUTH:${user.userId}:${signature(method, path, user.accessKey)}:${path}`;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** `path` is relative to the base URL, e.g. "UserInstitution/GetUserInstitutionsByUser" or "v2/customers". */
export async function call(
  baseUrl: string,
  user: SandboxUser,
  method: string,
  path: string,
  body?: unknown,
  opts: { variant?: SigningVariant; authorization?: string | null } = {},
): Promise<CallResult> {
  const url = `${baseUrl}/${path}`;
  const headers: Record<string, string> = {};
  const auth =
    opts.authorization === undefined ? authHeader(method, url, user, opts.variant) : opts.authorization;
  if (auth !== null) headers.authorization = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls a job until it finishes or needs an answer; returns the last JobInformation. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function pollUntil(baseUrl: string, user: SandboxUser, jobId: string, max = 50): Promise<any> {
  for (let i = 0; i < max; i++) {
    const { json } = await call(baseUrl, user, 'POST', 'Job/GetJobInformationByID', { JobID: jobId });
    if (
      json.SuccessFlag !== null ||
      json.SecurityQuestion ||
      json.TokenMethod ||
      json.TokenSentFlag ||
      json.TokenRead ||
      json.CaptchaImage
    )
      return json;
  }
  throw new Error(`job ${jobId} did not settle in ${max} polls`);
}

/** GET/POST a control-API URL and parse the JSON answer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function fetchJson(url: string, init?: RequestInit): Promise<any> {
  return (await fetch(url, init)).json();
}

/**
 * A SimpleFIN client written from the protocol text (simplefin.org/protocol.html, v1, and the v2
 * draft), not from our server's code: decode the setup token, POST to the claim URL, keep the
 * Access URL, call `/accounts` with HTTP Basic from its userinfo. Responses are parsed with
 * schemas of the spec's tables, so a field our server leaves out or mistypes fails the parse.
 */
import { z } from 'zod';

export class SimplefinHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`SimpleFIN answered ${status}: ${body.slice(0, 200)}`);
  }
}

/** "a string representing a number": optional minus, digits, optional decimals. */
const numeric = z.string().regex(/^-?\d+(\.\d+)?$/);
const epoch = z.number().int().nonnegative();

const organization = z
  .object({
    domain: z.string().optional(),
    name: z.string().optional(),
    'sfin-url': z.string().url(),
    url: z.string().optional(),
    id: z.string().optional(),
  })
  .refine((o) => o.domain !== undefined || o.name !== undefined, 'org: domain or name is required');

const transaction = z.object({
  id: z.string().min(1),
  posted: epoch,
  amount: numeric,
  description: z.string(),
  transacted_at: epoch.optional(),
  pending: z.boolean().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  // Bridge extensions clients read
  payee: z.string().optional(),
  memo: z.string().optional(),
});

const account = z.object({
  org: organization,
  id: z.string().min(1),
  name: z.string(),
  currency: z.string(),
  balance: numeric,
  'available-balance': numeric.optional(),
  'balance-date': epoch,
  transactions: z.array(transaction).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

export const accountSetV1 = z.object({
  errors: z.array(z.string()),
  accounts: z.array(account),
});

const errorV2 = z.object({
  code: z.string().regex(/^(gen|con|act)\.[a-z]*$/),
  msg: z.string(),
  conn_id: z.string().optional(),
  account_id: z.string().optional(),
});

const connection = z.object({
  conn_id: z.string().min(1),
  name: z.string(),
  org_id: z.string(),
  org_url: z.string().optional(),
  sfin_url: z.string().url(),
});

export const accountSetV2 = z.object({
  errlist: z.array(errorV2),
  connections: z.array(connection),
  accounts: z.array(account.omit({ org: true }).extend({ conn_id: z.string().min(1) })),
});

export type AccountSetV1 = z.infer<typeof accountSetV1>;
export type AccountSetV2 = z.infer<typeof accountSetV2>;
export type SimplefinTransaction = z.infer<typeof transaction>;

/** "The SimpleFIN Token is a Base64-encoded URL": the claim URL. */
export function claimUrlOf(setupToken: string): string {
  return Buffer.from(setupToken, 'base64').toString('utf8');
}

/** POST to the claim URL (empty body); the answer is the Access URL. */
export async function claim(setupToken: string): Promise<{ accessUrl: string; response: Response }> {
  const response = await fetch(claimUrlOf(setupToken), {
    method: 'POST',
    headers: { 'Content-Length': '0' },
    redirect: 'manual',
  });
  const body = await response.text();
  if (response.status !== 200) throw new SimplefinHttpError(response.status, body);
  return { accessUrl: body, response };
}

/** The Access URL without its credentials, and the Basic header its userinfo makes. */
export function splitAccessUrl(accessUrl: string): { root: string; authorization: string } {
  const u = new URL(accessUrl);
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return {
    root: u.toString().replace(/\/$/, ''),
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  };
}

export interface AccountsParams {
  startDate?: number;
  endDate?: number;
  pending?: boolean | '0' | '1';
  account?: string[];
  balancesOnly?: boolean;
  version?: string;
}

export async function getAccounts(
  accessUrl: string,
  params: AccountsParams = {},
): Promise<{ status: number; contentType: string | null; headers: Headers; text: string; json: unknown }> {
  const { root, authorization } = splitAccessUrl(accessUrl);
  const q = new URLSearchParams();
  if (params.startDate !== undefined) q.append('start-date', String(params.startDate));
  if (params.endDate !== undefined) q.append('end-date', String(params.endDate));
  if (params.pending !== undefined)
    q.append('pending', params.pending === true ? '1' : params.pending === false ? '0' : params.pending);
  for (const a of params.account ?? []) q.append('account', a);
  if (params.balancesOnly) q.append('balances-only', '1');
  if (params.version) q.append('version', params.version);
  const response = await fetch(`${root}/accounts${q.size ? `?${q}` : ''}`, {
    headers: { Authorization: authorization },
    redirect: 'manual',
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (a 403 page): the caller looks at text
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    text,
    json,
  };
}

export async function accountsV1(accessUrl: string, params: AccountsParams = {}): Promise<AccountSetV1> {
  const r = await getAccounts(accessUrl, params);
  if (r.status !== 200) throw new SimplefinHttpError(r.status, r.text);
  return accountSetV1.parse(r.json);
}

export async function accountsV2(accessUrl: string, params: AccountsParams = {}): Promise<AccountSetV2> {
  const r = await getAccounts(accessUrl, { ...params, version: '2' });
  if (r.status !== 200) throw new SimplefinHttpError(r.status, r.text);
  return accountSetV2.parse(r.json);
}

export async function info(root: string): Promise<{ versions: string[] }> {
  const response = await fetch(`${root}/info`, { redirect: 'manual' });
  if (response.status !== 200) throw new SimplefinHttpError(response.status, await response.text());
  return z.object({ versions: z.array(z.string()) }).parse(await response.json());
}

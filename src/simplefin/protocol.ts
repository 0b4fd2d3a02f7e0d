/**
 * The SimpleFIN protocol as we speak it, pure: the `/accounts` query, the ledger → SimpleFIN
 * shapes (v1, and v2 fields beside them when `version=2`), and the messages in `errors` / `errlist`.
 * The choices follow how real clients (Actual Budget, Sure, the Firefly III data importer, Home
 * Assistant, Securo) read it:
 * - amounts are strings with at least two decimals (Actual drops the point to get cents);
 * - dates the ledger keeps as calendar dates are served at 12:00 UTC of that date, so the date
 *   is the same wherever the client converts it (UTC−11 to UTC+11);
 * - a transaction's id is the ledger row's: a pending transaction that posts keeps it;
 * - every transaction has a non-empty `description` and `payee`; `posted` is 0 while pending.
 */
import { z } from 'zod';
import { currencyDigits, minorToDecimal } from '../money.js';
import type { SimplefinAccountRow, SimplefinTransactionRow } from '../store/simplefin.js';

export const SIMPLEFIN_VERSIONS = ['1.0', '2.0'] as const;

/** Without start-date, a client gets the last days only, as from the SimpleFIN Bridge. */
export const DEFAULT_WINDOW_DAYS = 30;

const DAY = 86_400;
const NOON = 12 * 3600;

export type ProtocolVersion = 1 | 2;

export interface AccountsQuery {
  /** Epoch seconds: start inclusive, end exclusive; null when not given. */
  startDate: number | null;
  endDate: number | null;
  pending: boolean;
  /** Exact account ids; empty = every account the Access URL may read. */
  accountIds: string[];
  balancesOnly: boolean;
  version: ProtocolVersion;
}

// Epoch seconds: integers or decimals (floored), never before 1970 nor after 9999.
const epoch = (field: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, `${field}: must be a number of seconds since 1970-01-01 UTC`)
    .transform((v) => Math.floor(Number(v)))
    .refine((v) => v <= 253_402_300_799, `${field}: is after the year 9999`);

// A flag is on when present (`?pending`, `pending=1`, `pending=true`), off when absent or 0/false.
const flag = z
  .string()
  .trim()
  .transform((v) => !['0', 'false', 'no', 'off'].includes(v.toLowerCase()));

const versionParam = z
  .string()
  .trim()
  .transform((v, ctx) => {
    if (v === '1' || v === '1.0') return 1 as const;
    if (v === '2' || v === '2.0') return 2 as const;
    ctx.addIssue({ code: 'custom', message: `version: 1 or 2 (got ${JSON.stringify(v.slice(0, 20))})` });
    return z.NEVER;
  });

const querySchema = z.object({
  'start-date': epoch('start-date').optional(),
  'end-date': epoch('end-date').optional(),
  pending: flag.optional(),
  'balances-only': flag.optional(),
  version: versionParam.optional(),
  account: z.array(z.string().max(200, 'account: an id is at most 200 characters')).max(500).default([]),
});

export type ParsedQuery = { ok: true; query: AccountsQuery } | { ok: false; error: string };

export function parseAccountsQuery(params: URLSearchParams): ParsedQuery {
  const first = (k: string) => params.get(k) ?? undefined;
  const r = querySchema.safeParse({
    'start-date': first('start-date'),
    'end-date': first('end-date'),
    pending: first('pending'),
    'balances-only': first('balances-only'),
    version: first('version'),
    account: params.getAll('account'),
  });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = String(issue.path[0] ?? 'query');
    return { ok: false, error: issue.message.includes(':') ? issue.message : `${field}: ${issue.message}` };
  }
  const q = r.data;
  return {
    ok: true,
    query: {
      startDate: q['start-date'] ?? null,
      endDate: q['end-date'] ?? null,
      pending: q.pending ?? false,
      accountIds: [...new Set(q.account.map((a) => a.trim()).filter(Boolean))],
      balancesOnly: q['balances-only'] ?? false,
      version: q.version ?? 1,
    },
  };
}

/** 12:00 UTC of a calendar date, in epoch seconds. */
export const noonUtc = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000 + NOON;

const dateOfEpoch = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The first calendar date whose noon is at or after `seconds`. */
function firstDateAtOrAfter(seconds: number): string {
  const d = dateOfEpoch(seconds);
  return noonUtc(d) >= seconds ? d : dateOfEpoch(seconds + DAY);
}

export interface ServedRange {
  /** Calendar dates of the served date: `from` inclusive, `to` exclusive; null = open. */
  from: string | null;
  to: string | null;
  /** start ≥ end: no transaction can match. */
  empty: boolean;
  /** No start-date was given: the default window applies. */
  defaulted: boolean;
}

/**
 * The query's instants as calendar dates: a transaction served at noon of date d is in
 * [start, end) exactly when d is in [from, to).
 */
export function servedRange(q: Pick<AccountsQuery, 'startDate' | 'endDate'>, now: Date): ServedRange {
  const defaulted = q.startDate === null;
  const start = q.startDate ?? Math.floor(now.getTime() / 1000) - DEFAULT_WINDOW_DAYS * DAY;
  const from = firstDateAtOrAfter(start);
  const to = q.endDate === null ? null : firstDateAtOrAfter(q.endDate);
  return { from, to, empty: to !== null && (start >= q.endDate! || from >= to), defaulted };
}

/** Minor units as a decimal string with at least two decimals ("12.30", "-0.50", JPY "1500.00", BHD "1.234"). */
export function decimalAmount(minor: number, currency: string): string {
  const text = minorToDecimal(minor, currency);
  const point = text.indexOf('.');
  const decimals = point < 0 ? 0 : text.length - point - 1;
  if (decimals >= 2) return text;
  return `${point < 0 ? `${text}.` : text}${'0'.repeat(2 - decimals)}`;
}

/** Currencies whose amounts need other than two decimals: Actual Budget reads every amount as cents. */
export function misreadByCentsClients(currency: string): boolean {
  return currencyDigits(currency) !== 2;
}

const isLiability = (kind: SimplefinAccountRow['kind']) => kind === 'credit_card' || kind === 'loan';

/**
 * The balance in the money convention SimpleFIN clients expect: what is owed on a card or loan is
 * negative (as the Bridge sends it). The ledger shows it as a positive amount owed
 * (`owed_positive`), unless Sophtron's own figure says the card is in credit.
 */
export function signedBalance(
  row: Pick<SimplefinAccountRow, 'kind' | 'balance_rule' | 'provider_balance_minor'>,
  current: number,
): number {
  if (!isLiability(row.kind) || row.balance_rule !== 'owed_positive') return current;
  const raw = row.provider_balance_minor;
  if (raw !== null && raw > 0 && Math.abs(raw) === Math.abs(current)) return Math.abs(current);
  return current === 0 ? 0 : -Math.abs(current);
}

/** A type word some clients (Sure) read, from the account's kind and Sophtron's type. */
export function accountType(row: Pick<SimplefinAccountRow, 'kind' | 'provider_type' | 'sub_type'>): string {
  switch (row.kind) {
    case 'credit_card':
      return 'credit_card';
    case 'loan':
      return row.provider_type === 'mortgage' ? 'mortgage' : 'loan';
    case 'investment':
      return 'investment';
    default: {
      const t = `${row.provider_type ?? ''} ${row.sub_type ?? ''}`.toLowerCase();
      return t.includes('saving') ? 'savings' : 'checking';
    }
  }
}

/**
 * Names unique within one answer (the Firefly III data importer mixes up accounts of the same
 * name): a repeated name gets the account number's last digits, or the bank's name, or a number.
 */
export function uniqueNames(
  rows: readonly Pick<SimplefinAccountRow, 'id' | 'name' | 'number_mask' | 'institution_name'>[],
): Map<string, string> {
  const key = (s: string) => s.trim().toLowerCase();
  const count = new Map<string, number>();
  for (const r of rows) count.set(key(r.name), (count.get(key(r.name)) ?? 0) + 1);
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const r of rows) {
    let name = r.name.trim() || 'Account';
    if ((count.get(key(r.name)) ?? 0) > 1) {
      const digits = r.number_mask?.replace(/[^0-9]/g, '').slice(-4);
      name = digits ? `${name} …${digits}` : r.institution_name ? `${name} (${r.institution_name})` : name;
    }
    let candidate = name;
    for (let n = 2; used.has(key(candidate)); n++) candidate = `${name} ${n}`;
    used.add(key(candidate));
    out.set(r.id, candidate);
  }
  return out;
}

export interface ServerIdentity {
  /** The SimpleFIN root URL, without credentials: `https://host/simplefin`. */
  rootUrl: string;
}

function orgOf(row: SimplefinAccountRow, server: ServerIdentity) {
  const root = new URL(server.rootUrl);
  return {
    domain: root.hostname,
    name: row.institution_name ?? 'Sophtron Sync',
    'sfin-url': server.rootUrl,
    url: root.origin,
    id: row.institution_id ?? 'sophtron-sync',
  };
}

/** v2: one connection per bank login. */
export function connectionOf(row: SimplefinAccountRow, server: ServerIdentity) {
  const root = new URL(server.rootUrl);
  return {
    conn_id: row.connection_id!,
    name: row.institution_name ?? 'Sophtron Sync',
    org_id: row.institution_id ?? 'sophtron-sync',
    org_url: root.origin,
    sfin_url: server.rootUrl,
  };
}

/** An account without its `transactions` (they are streamed after it). */
export function accountJson(
  row: SimplefinAccountRow,
  name: string,
  server: ServerIdentity,
  version: ProtocolVersion,
): Record<string, unknown> {
  const current = row.balance_current_minor ?? 0;
  const balance = signedBalance(row, current);
  const balanceDate = row.balance_taken_at ?? row.last_sync_at ?? row.created_at;
  return {
    org: orgOf(row, server),
    ...(version === 2 ? { conn_id: row.connection_id } : {}),
    id: row.id,
    name,
    currency: row.currency,
    balance: decimalAmount(balance, row.currency),
    // A card's available credit is positive, as the bank reports it. Without a figure: the
    // balance, which is what the protocol takes an absent available-balance to be.
    'available-balance': decimalAmount(
      row.balance_available_minor === null
        ? balance
        : isLiability(row.kind)
          ? row.balance_available_minor
          : signedBalance(row, row.balance_available_minor),
      row.currency,
    ),
    'balance-date': Math.floor(Date.parse(balanceDate) / 1000),
    type: accountType(row),
    holdings: [],
    extra: {},
  };
}

const clean = (s: string | null | undefined): string => s?.replace(/\s+/g, ' ').trim() ?? '';

export function transactionJson(row: SimplefinTransactionRow): Record<string, unknown> {
  const description = clean(row.description) || clean(row.merchant) || clean(row.memo) || 'Transaction';
  const extra: Record<string, string> = {};
  if (clean(row.category)) extra.category = clean(row.category);
  if (clean(row.check_number)) extra.check_number = clean(row.check_number);
  return {
    id: String(row.id),
    posted: row.status === 'posted' ? noonUtc(row.post_date ?? row.date) : 0,
    amount: decimalAmount(row.amount_minor, row.currency),
    description,
    payee: clean(row.merchant) || description,
    memo: clean(row.memo),
    transacted_at: noonUtc(row.transaction_date ?? row.date),
    pending: row.status === 'pending',
    extra,
  };
}

export interface ProtocolError {
  code: string;
  msg: string;
  message: string;
  conn_id?: string;
  account_id?: string;
}

export interface AccountSetErrors {
  /** v1 strings: a bank needing attention in the exact words Actual and Home Assistant look for. */
  errors: string[];
  /** v2 objects, `msg` and `message` both (the draft uses both names). */
  errlist: ProtocolError[];
}

const err = (
  code: string,
  text: string,
  ids: { conn_id?: string; account_id?: string } = {},
): ProtocolError => ({
  code,
  msg: text,
  message: text,
  ...ids,
});

/** Short, safe text from the ledger for a message a client shows (no control characters). */
const safe = (s: string | null, max = 200): string =>
  clean(
    [...(s ?? '')].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch)).join(''),
  ).slice(0, max);

/**
 * What a person should see about the served accounts: a bank login that needs attention (the
 * bank asks for verification, or the login failed), an account whose last sync failed, accounts
 * this Access URL may read that are no longer synced, or no account left at all (Sure treats
 * "errors and no account" as a failed sync, which it then is).
 */
export function accountSetErrors(
  served: readonly SimplefinAccountRow[],
  unlinked: readonly Pick<SimplefinAccountRow, 'id' | 'name'>[],
  /** The Access URL's accounts no longer exist at all. */
  scopeEmpty: boolean,
): AccountSetErrors {
  const errors: string[] = [];
  const errlist: ProtocolError[] = [];
  const attention = (bank: string) => {
    const text = `Connection to ${bank} may need attention`;
    if (!errors.includes(text)) errors.push(text);
  };
  const flaggedConnections = new Set<string>();
  for (const row of served) {
    const bank = row.institution_name ?? 'Sophtron Sync';
    if (
      row.connection_id &&
      (row.connection_status === 'needs_attention' || row.connection_status === 'failed')
    ) {
      attention(bank);
      if (!flaggedConnections.has(row.connection_id)) {
        flaggedConnections.add(row.connection_id);
        const reason = safe(row.connection_status_reason);
        errlist.push(
          err(
            'con.auth',
            `${bank}: the bank login needs attention${reason ? ` (${reason})` : ''}. Open Sophtron Sync to reconnect it; until then the data is not updated.`,
            { conn_id: row.connection_id },
          ),
        );
      }
    } else if (row.last_sync_outcome === 'failed') {
      attention(bank);
      errlist.push(
        err(
          'act.failed',
          `${row.name}: the last sync of this account failed, so its data may be out of date. Try again later.`,
          { account_id: row.id },
        ),
      );
    }
  }
  for (const a of unlinked) {
    const text = `${a.name} is no longer synced by Sophtron Sync (it was unlinked), so it is left out.`;
    errors.push(text);
    errlist.push(err('act.missingdata', text, { account_id: a.id }));
  }
  if (scopeEmpty) {
    const text =
      'This Access URL may read no account any more. Create a new setup token in Sophtron Sync and choose the accounts again.';
    errors.push(text);
    errlist.push(err('gen.api', text));
  }
  return { errors, errlist };
}

/** A message for the developer of the client, in `x-api-message` (and `errlist` as gen.api in v2). */
export function apiMessages(range: ServedRange, q: AccountsQuery): string[] {
  const out: string[] = [];
  if (range.defaulted && !q.balancesOnly)
    out.push(
      `start-date was not given: transactions of the last ${DEFAULT_WINDOW_DAYS} days are served; send start-date for older ones.`,
    );
  return out;
}

/** The protocol's `/info` answer. */
export const infoJson = (): { versions: string[] } => ({ versions: [...SIMPLEFIN_VERSIONS] });

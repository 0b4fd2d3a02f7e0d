// Long because: one zod schema per Sophtron answer, each with every casing and field variant public clients use; they share the tolerant key matching above and read best side by side.
/**
 * Sophtron's answers → domain values. Payload keys are matched without regard to case or
 * underscores ("AccountID", "accountId", "account_id" are one field), because clients and the help
 * pages disagree on casing. Every field variant seen in public clients is
 * accepted (§4, §9); a payload missing its ids is refused with a message that names the field.
 */
import { z } from 'zod';
import { SophtronInvalidResponseError, shortEndpoint } from './errors.js';
import { maskAccountNumber, parseCalendarDate, parseCents } from './parse.js';
import type {
  Challenge,
  Institution,
  ProviderAccountData,
  ProviderAccountType,
  ProviderTransactionData,
  RemoteConnection,
} from '../domain/types.js';
import type { JobState } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Canonical key: lower case without `_`/`-`; applied to nested objects too. */
const normKey = (k: string) => k.toLowerCase().replace(/[_\-\s]/g, '');
function normalizeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeKeys);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    const key = normKey(k);
    // First non-null spelling wins when a payload carries two ("ID" and "Id").
    if (out[key] === undefined || out[key] === null) out[key] = normalizeKeys(x);
  }
  return out;
}

/** Sophtron's spelling of a canonical key, for messages. */
const DISPLAY: Record<string, string> = {
  accountid: 'AccountID',
  userinstitutionid: 'UserInstitutionID',
  institutionid: 'InstitutionID',
  institutionname: 'InstitutionName',
  transactionid: 'TransactionID',
  transactiondate: 'TransactionDate',
  amount: 'Amount',
  balance: 'Balance',
  availablebalance: 'AvailableBalance',
  jobid: 'JobID',
  successflag: 'SuccessFlag',
  captchaimage: 'CaptchaImage',
};

const missing = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A required id: a non-empty string (or a number, sent as text). */
const id = z
  .unknown()
  .optional()
  .transform((v, ctx) => {
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    ctx.issues.push({ code: 'custom', message: missing(v) ? 'missing' : 'unreadable', input: v });
    return z.NEVER;
  });

const optId = z
  .unknown()
  .optional()
  .transform((v) => {
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return null;
  });

/** Optional text: strings, numbers and booleans as text; blank → null. */
const text = z
  .unknown()
  .optional()
  .transform((v) => {
    if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return null;
  });

/** Optional money in cents; present but unreadable is an error, absent is null. */
const money = z
  .unknown()
  .optional()
  .transform((v, ctx) => {
    if (missing(v)) return null;
    if (typeof v === 'string' || typeof v === 'number') {
      const cents = parseCents(v);
      if (cents !== null) return cents;
    }
    ctx.issues.push({ code: 'custom', message: 'unreadable', input: v });
    return z.NEVER;
  });

const date = z
  .unknown()
  .optional()
  .transform((v) => parseCalendarDate(v));

const bool = z
  .unknown()
  .optional()
  .transform((v): boolean | null => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      if (/^true$/i.test(v.trim())) return true;
      if (/^false$/i.test(v.trim())) return false;
    }
    if (typeof v === 'number') return v !== 0;
    return null;
  });

/** Falls back to alternative keys (already canonical) when the first is absent. */
const alias = (o: Obj, target: string, ...others: string[]) => {
  if (!missing(o[target])) return;
  for (const k of others) {
    if (!missing(o[k])) {
      o[target] = o[k];
      return;
    }
  }
};

// --- institutions ---

const institutionSchema = z.object({
  institutionid: id,
  institutionname: id,
  url: text,
  logo: text,
  countrycode: text,
  institutiondetail: z.unknown().optional(),
});

function toInstitution(raw: z.output<typeof institutionSchema>): Institution {
  const detail = (isObj(raw.institutiondetail) ? raw.institutiondetail : {}) as Obj;
  const label = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const pw = label(detail.loginformpassword);
  return {
    id: raw.institutionid,
    name: raw.institutionname,
    url: raw.url,
    logoUrl: raw.logo,
    countryCode: raw.countrycode,
    loginForm: {
      usernameLabel: label(detail.loginformusername) ?? 'User name',
      // UCW: the literal "None" means the bank's form has no password field.
      passwordLabel: pw === null ? 'Password' : /^none$/i.test(pw) ? null : pw,
    },
  };
}

const prepInstitution = (o: Obj) => {
  alias(o, 'institutionid', 'id');
  alias(o, 'institutionname', 'name');
  alias(o, 'url', 'institutionurl');
  alias(o, 'logo', 'logourl');
};

// --- connections (UserInstitutions) ---

const connectionSchema = z.object({
  userinstitutionid: id,
  institutionid: id,
  username: text,
  lastmodified: text,
});

const prepConnection = (o: Obj) => {
  alias(o, 'userinstitutionid', 'id');
  alias(o, 'lastmodified', 'lastmodifiedutc');
};

const toConnection = (raw: z.output<typeof connectionSchema>): RemoteConnection => ({
  userInstitutionId: raw.userinstitutionid,
  institutionId: raw.institutionid,
  username: raw.username,
  lastModified: raw.lastmodified,
});

// --- accounts ---

const accountSchema = z.object({
  accountid: id,
  userinstitutionid: optId,
  accountname: text,
  accountnumber: z.unknown().optional(),
  accounttype: text,
  subtype: text,
  balance: money,
  availablebalance: money,
  balancecurrency: text,
  status: text,
  lastupdated: text,
  duedate: date,
});

const prepAccount = (o: Obj) => {
  alias(o, 'accountid', 'id');
  alias(o, 'accountname', 'name', 'nickname');
  alias(o, 'accounttype', 'type');
  alias(o, 'subtype', 'accountsubtype');
  alias(o, 'balance', 'accountbalance', 'currentbalance');
  alias(o, 'balancecurrency', 'currency');
  alias(o, 'status', 'accountstatus');
  alias(o, 'lastupdated', 'lastmodifiedutc', 'lastmodified');
  alias(o, 'accountnumber', 'accountnumberdisplay', 'mask');
};

/** Sophtron's free-text AccountType/SubType → one of our kinds; the most specific word wins. */
export function normalizeAccountType(rawType: string | null, subType: string | null): ProviderAccountType {
  const t = `${subType ?? ''} ${rawType ?? ''}`.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (t === '') return 'other';
  if (/mortgage|homeequity|heloc/.test(t)) return 'mortgage';
  if (/creditcard|card|^credit$/.test(t)) return 'credit_card';
  if (/loan|lineofcredit|creditline|^auto$|student|installment/.test(t)) return 'loan';
  if (/invest|brokerage|401k|403b|ira|retire|securit|stock|pension|annuity|529|hsa/.test(t))
    return 'investment';
  if (/saving|moneymarket|certificate|^cd|deposit(?!ory)/.test(t)) return 'savings';
  if (/check|depository|dda|current/.test(t)) return 'checking';
  return 'other';
}

function toAccount(
  raw: z.output<typeof accountSchema>,
  userInstitutionId: string | null,
): ProviderAccountData {
  const numberMask = maskAccountNumber(raw.accountnumber);
  return {
    accountId: raw.accountid,
    userInstitutionId: raw.userinstitutionid ?? userInstitutionId ?? '',
    name: raw.accountname ?? `${raw.accounttype ?? 'Account'}${numberMask ? ` ${numberMask}` : ''}`,
    numberMask,
    rawType: raw.accounttype,
    subType: raw.subtype,
    type: normalizeAccountType(raw.accounttype, raw.subtype),
    balance: raw.balance,
    availableBalance: raw.availablebalance,
    currencyHint: raw.balancecurrency,
    status: raw.status !== null && /^untracked$/i.test(raw.status) ? 'untracked' : 'tracked',
    lastUpdated: raw.lastupdated,
    dueDate: raw.duedate,
  };
}

// --- transactions ---

const transactionSchema = z.object({
  transactionid: id,
  userinstitutionaccountid: optId,
  status: text,
  type: text,
  amount: money,
  currency: text,
  date: date,
  transactiondate: date,
  postdate: date,
  description: text,
  merchant: text,
  category: text,
  memo: text,
  checknum: text,
});

const prepTransaction = (o: Obj) => {
  alias(o, 'transactionid', 'id');
  alias(o, 'userinstitutionaccountid', 'accountid');
  alias(o, 'checknum', 'checknumber');
  alias(o, 'type', 'transactiontype');
  alias(o, 'postdate', 'posteddate', 'postedtimestamp');
  alias(o, 'merchant', 'merchantname', 'payee');
};

const withDateAndAmount = transactionSchema.superRefine((t, ctx) => {
  if (t.amount === null) ctx.addIssue({ code: 'custom', message: 'missing', path: ['amount'] });
  if (!t.transactiondate && !t.date && !t.postdate) {
    ctx.addIssue({ code: 'custom', message: 'missing', path: ['transactiondate'] });
  }
});

function toTransaction(
  raw: z.output<typeof transactionSchema>,
  accountId: string | null,
): ProviderTransactionData {
  const type =
    raw.type === null
      ? null
      : /^debit$/i.test(raw.type)
        ? 'debit'
        : /^credit$/i.test(raw.type)
          ? 'credit'
          : null;
  let amount = raw.amount ?? 0;
  // Design rule: an unsigned amount takes its sign from Type (v3/FDX style); a signed one is kept.
  if (type === 'debit' && amount > 0) amount = -amount;
  return {
    transactionId: raw.transactionid,
    accountId: raw.userinstitutionaccountid ?? accountId ?? '',
    status: raw.status !== null && /pending/i.test(raw.status) ? 'pending' : 'posted',
    amount,
    currencyHint: raw.currency,
    date: (raw.transactiondate ?? raw.date ?? raw.postdate)!,
    transactionDate: raw.transactiondate,
    postDate: raw.postdate,
    description: raw.description,
    merchant: raw.merchant,
    category: raw.category,
    memo: raw.memo,
    checkNumber: raw.checknum,
    type,
  };
}

// --- jobs ---

const jobSchema = z.object({
  jobid: optId,
  userinstitutionid: optId,
  jobtype: text,
  successflag: bool,
  laststep: text,
  laststatus: text,
  securityquestion: z.unknown().optional(),
  securityanswer: text,
  tokenmethod: z.unknown().optional(),
  tokenchoice: text,
  tokensentflag: bool,
  tokeninputname: text,
  tokeninput: text,
  tokenread: text,
  verifyphoneflag: bool,
  captchaimage: text,
  captchainput: text,
  errormessage: text,
});

/**
 * A list held in a string: a JSON array ('["a","b"]'), the help pages' single-quoted pseudo-array
 * ("['a', 'b']", which may hold apostrophes inside), a real array, or one plain string.
 */
export function parseStringList(v: unknown): string[] {
  if (Array.isArray(v))
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).filter((x) => x !== '');
  if (typeof v !== 'string') return [];
  const s = v.trim();
  if (s === '') return [];
  if (s.startsWith('[') && s.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return parseStringList(parsed);
    } catch {
      const inner = s.slice(1, -1).trim();
      if (inner === '') return [];
      const quoted = /^'.*'$/s.test(inner) || /^".*"$/s.test(inner);
      if (quoted) {
        const q = inner[0]!;
        return inner
          .slice(1, -1)
          .split(new RegExp(`${q}\\s*,\\s*${q}`))
          .map((x) => x.trim())
          .filter((x) => x !== '');
      }
      return inner
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
    }
  }
  return [s];
}

const FAILED_STATUS = /completed|timeout|timedout|fail|error|cancel/i;

/** Job fields beyond the state: which connection it belongs to and its step/status texts. */
export interface JobInfo {
  state: JobState;
  jobId: string | null;
  userInstitutionId: string | null;
  jobType: string | null;
  step: string | null;
  status: string | null;
}

/** Job states in order: success first, then challenges (before failure, like Sure), then failure. */
function toJobInfo(j: z.output<typeof jobSchema>): JobInfo {
  const base = {
    jobId: j.jobid,
    userInstitutionId: j.userinstitutionid,
    jobType: j.jobtype,
    step: j.laststep,
    status: j.laststatus,
  };
  const challenge = jobChallenge(j);
  let state: JobState;
  if (j.successflag === true) state = { state: 'succeeded', userInstitutionId: j.userinstitutionid };
  else if (challenge) state = { state: 'challenge', challenge };
  else if (j.successflag === false && (j.errormessage !== null || FAILED_STATUS.test(j.laststatus ?? ''))) {
    state = { state: 'failed', message: j.errormessage ?? failureText(j.laststatus) };
    if (/timeout|timedout/i.test(j.laststatus ?? '')) state.bankTimedOut = true;
  } else if (j.laststatus !== null && /^accountsready$/i.test(j.laststatus)) {
    state = { state: 'accounts_ready', userInstitutionId: j.userinstitutionid };
  } else state = { state: 'running', step: j.laststep, status: j.laststatus };
  return { ...base, state };
}

function failureText(status: string | null): string {
  if (status !== null && /timeout|timedout/i.test(status)) {
    return 'Sophtron timed out while the bank was completing the login';
  }
  return 'Sophtron could not complete the connection to the bank';
}

/**
 * The challenge a job shows, first match wins (§5.2). Answer fields are not consulted except
 * TokenInput (as Sure does): a bank may ask a second round of questions while the first answer is
 * still on the job; the job driver tells a stale challenge from a new one.
 */
function jobChallenge(j: z.output<typeof jobSchema>): Challenge | null {
  const questions = parseStringList(j.securityquestion);
  if (questions.length > 0) return { kind: 'security_questions', questions };
  const methods = parseStringList(j.tokenmethod);
  if (methods.length > 0) return { kind: 'token_method', methods };
  // LastStep "TokenInput" alone is not enough: it also shows while the bank is still sending the code.
  const wantsToken = j.tokensentflag === true || j.tokeninputname !== null;
  if (wantsToken && j.tokeninput === null && j.tokenread === null) {
    return { kind: 'token_input', label: j.tokeninputname ?? 'Token' };
  }
  if (j.tokenread !== null) return { kind: 'token_read', code: j.tokenread };
  if (j.captchaimage !== null) {
    const b64 = j.captchaimage.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
    return { kind: 'captcha', image: new Uint8Array(Buffer.from(b64, 'base64')), mimeType: 'image/png' };
  }
  return null;
}

// --- job trackers and answers ---

const trackerSchema = z.object({ jobid: id, userinstitutionid: optId });

// --- the parse entry points ---

function fail(endpoint: string, what: string, cause?: unknown): never {
  throw new SophtronInvalidResponseError(`Sophtron's ${shortEndpoint(endpoint)} answer ${what}`, {
    endpoint,
    cause,
  });
}

function describeIssues(endpoint: string, error: z.ZodError, isList: boolean): never {
  const issue = error.issues[0]!;
  const item = isList && typeof issue.path[0] === 'number' ? ` in item ${issue.path[0] + 1}` : '';
  const key = [...issue.path].reverse().find((p): p is string => typeof p === 'string');
  const field = key === undefined ? 'a field' : (DISPLAY[key] ?? key);
  if (issue.message === 'missing') fail(endpoint, `is missing ${field}${item}`, error);
  if (issue.message === 'unreadable') fail(endpoint, `has an unreadable ${field}${item}`, error);
  fail(endpoint, `does not have the expected shape (${field}${item}: ${issue.message})`, error);
}

/** Empty body → []; bare array; or a wrapper object {accounts:[…]} / {Transactions:[…]} etc. */
function asList(endpoint: string, body: unknown, wrappers: string[]): unknown[] {
  if (body === null || body === undefined || body === '') return [];
  if (Array.isArray(body)) return body;
  if (isObj(body)) {
    for (const w of [...wrappers, 'items', 'data', 'value', 'results']) {
      const v = body[w];
      if (Array.isArray(v)) return v;
      if (v === null) return [];
    }
  }
  return fail(endpoint, 'is not a list');
}

function asObject(endpoint: string, body: unknown): Obj {
  if (Array.isArray(body) && body.length === 1 && isObj(body[0])) return body[0];
  if (!isObj(body))
    fail(endpoint, body === null || body === undefined || body === '' ? 'is empty' : 'is not an object');
  return body;
}

function parseList<S extends z.ZodType, T>(
  endpoint: string,
  body: unknown,
  wrappers: string[],
  prep: (o: Obj) => void,
  schema: S,
  map: (raw: z.output<S>) => T,
): T[] {
  const items = asList(endpoint, normalizeKeys(body), wrappers).map((x) => {
    if (!isObj(x)) return x;
    const o = { ...x };
    prep(o);
    return o;
  });
  const notObject = items.findIndex((x) => !isObj(x));
  if (notObject >= 0) fail(endpoint, `has an item that is not an object in item ${notObject + 1}`);
  const parsed = z.array(schema).safeParse(items);
  if (!parsed.success) describeIssues(endpoint, parsed.error, true);
  return (parsed.data as z.output<S>[]).map(map);
}

function parseOne<S extends z.ZodType, T>(
  endpoint: string,
  body: unknown,
  prep: (o: Obj) => void,
  schema: S,
  map: (raw: z.output<S>) => T,
): T {
  const o = { ...asObject(endpoint, normalizeKeys(body)) };
  prep(o);
  const parsed = schema.safeParse(o);
  if (!parsed.success) describeIssues(endpoint, parsed.error, false);
  return map(parsed.data as z.output<S>);
}

export const parseInstitutions = (endpoint: string, body: unknown): Institution[] =>
  parseList(endpoint, body, ['institutions'], prepInstitution, institutionSchema, toInstitution);

export const parseInstitution = (endpoint: string, body: unknown): Institution =>
  parseOne(endpoint, body, prepInstitution, institutionSchema, toInstitution);

export const parseConnections = (endpoint: string, body: unknown): RemoteConnection[] =>
  parseList(
    endpoint,
    body,
    ['userinstitutions', 'connections'],
    prepConnection,
    connectionSchema,
    toConnection,
  );

export const parseConnection = (endpoint: string, body: unknown): RemoteConnection =>
  parseOne(endpoint, body, prepConnection, connectionSchema, toConnection);

export const parseAccounts = (
  endpoint: string,
  body: unknown,
  userInstitutionId: string | null,
): ProviderAccountData[] =>
  parseList(endpoint, body, ['accounts'], prepAccount, accountSchema, (a) => toAccount(a, userInstitutionId));

export const parseAccount = (endpoint: string, body: unknown): ProviderAccountData =>
  parseOne(endpoint, body, prepAccount, accountSchema, (a) => toAccount(a, null));

export const parseTransactions = (
  endpoint: string,
  body: unknown,
  accountId: string | null,
): ProviderTransactionData[] =>
  parseList(endpoint, body, ['transactions'], prepTransaction, withDateAndAmount, (t) =>
    toTransaction(t, accountId),
  );

export const parseJob = (endpoint: string, body: unknown): JobInfo =>
  parseOne(endpoint, body, () => undefined, jobSchema, toJobInfo);

export const parseJobTracker = (
  endpoint: string,
  body: unknown,
): { jobId: string; userInstitutionId: string | null } =>
  parseOne(
    endpoint,
    body,
    (o) => alias(o, 'jobid', 'id'),
    trackerSchema,
    (t) => ({
      jobId: t.jobid,
      userInstitutionId: t.userinstitutionid,
    }),
  );

/**
 * MFA answers return TransmitStatusEnums: 0 success, -1 refused (a bare number, maybe as text).
 * An empty 200 counts as accepted.
 */
export function parseAnswerResult(endpoint: string, body: unknown): boolean {
  if (body === null || body === undefined || body === '') return true;
  let v: unknown = body;
  if (isObj(v)) {
    const values = Object.values(v).filter((x) => typeof x === 'number' || typeof x === 'string');
    v = values.length === 1 ? values[0] : undefined;
  }
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) v = Number(v.trim());
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'number') return fail(endpoint, 'is not a status number (0 or -1)');
  return v >= 0;
}

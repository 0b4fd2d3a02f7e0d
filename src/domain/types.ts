/**
 * Domain values: what every layer speaks. The Sophtron client returns them (no Sophtron casing or
 * wire shape leaks past src/sophtron); sync, store, destinations, web and CLI take them.
 *
 * Money is integer minor units (cents). Dates are calendar dates `YYYY-MM-DD` as the bank reported
 * them (no time-zone shifting). Amount sign: negative = money out of the account.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

export interface Institution {
  id: string;
  name: string;
  url: string | null;
  logoUrl: string | null;
  countryCode: string | null;
  /** Labels of the bank's own login form; `password` is null when the bank has no password field. */
  loginForm: { usernameLabel: string; passwordLabel: string | null };
}

/** A bank login at Sophtron (a UserInstitution). */
export interface RemoteConnection {
  userInstitutionId: string;
  institutionId: string;
  username: string | null;
  lastModified: string | null;
}

export type ProviderAccountType =
  'checking' | 'savings' | 'credit_card' | 'loan' | 'mortgage' | 'investment' | 'other';

/** An account as Sophtron reports it (a UserInstitutionAccount). */
export interface ProviderAccountData {
  accountId: string;
  userInstitutionId: string;
  name: string;
  /** Masked account number as reported, e.g. "xxx1234", or null. Never a full number. */
  numberMask: string | null;
  /** Sophtron's own AccountType text, e.g. "Checking", kept for display. */
  rawType: string | null;
  subType: string | null;
  /** Normalised from rawType/subType. */
  type: ProviderAccountType;
  /** Minor units as reported (sign as Sophtron sent it). */
  balance: number | null;
  availableBalance: number | null;
  /** The currency as Sophtron sent it: usually a symbol ("$"), sometimes an ISO code, or null. */
  currencyHint: string | null;
  status: 'tracked' | 'untracked';
  lastUpdated: string | null;
  dueDate: CalendarDate | null;
}

export type TransactionStatus = 'pending' | 'posted';

export interface ProviderTransactionData {
  transactionId: string;
  accountId: string;
  status: TransactionStatus;
  /** Signed minor units, negative = money out. Derived from Type when the amount was unsigned. */
  amount: number;
  currencyHint: string | null;
  /** The date the ledger uses: TransactionDate, else Date, else PostDate. */
  date: CalendarDate;
  transactionDate: CalendarDate | null;
  postDate: CalendarDate | null;
  description: string | null;
  merchant: string | null;
  category: string | null;
  memo: string | null;
  checkNumber: string | null;
  type: 'debit' | 'credit' | null;
}

/** One MFA challenge, as the connect flow shows it to a person. */
export type Challenge =
  | { kind: 'security_questions'; questions: string[] }
  | { kind: 'token_method'; methods: string[] }
  | { kind: 'token_input'; label: string }
  | { kind: 'token_read'; code: string }
  | { kind: 'captcha'; image: Uint8Array; mimeType: 'image/png' }
  | { kind: 'account_select'; accounts: { accountId: string; name: string }[] };

/** The answer to a Challenge of the same kind. */
export type ChallengeAnswer =
  | { kind: 'security_questions'; answers: string[] }
  | { kind: 'token_method'; method: string }
  | { kind: 'token_input'; code: string }
  | { kind: 'token_read'; approved: true }
  | { kind: 'captcha'; text: string }
  | { kind: 'account_select'; accountId: string };

/** How a connect / refresh job ended. */
export type JobOutcome =
  | { outcome: 'connected'; userInstitutionId: string }
  | { outcome: 'needs_attention'; reason: string; challenge: Challenge }
  | { outcome: 'failed'; message: string; bankTimedOut?: boolean }
  | { outcome: 'timed_out'; afterMs: number };

/** Progress of a long job, for a terminal line or a web progress bar. */
export interface JobProgress {
  jobId: string;
  elapsedMs: number;
  polls: number;
  step: string | null;
  status: string | null;
}

/**
 * What the rest of the product may ask of Sophtron. src/sophtron/client.ts implements it over HTTP;
 * sync, web, CLI and scheduler depend on this interface only.
 */
import type {
  CalendarDate,
  ChallengeAnswer,
  Challenge,
  Institution,
  JobProgress,
  ProviderAccountData,
  ProviderTransactionData,
  RemoteConnection,
} from '../domain/types.js';
import type { JobState } from './types.js';

export type CredentialCheck =
  | { result: 'accepted' }
  | { result: 'rejected'; message: string }
  | { result: 'unreachable'; message: string };

export interface NewConnection {
  institutionId: string;
  username: string;
  /** Passed to Sophtron and never stored or logged. */
  password: string;
  pin?: string | null;
  /**
   * Start a verification job (CreateUserInstitutionWithFullAccountNumbers): at AccountsReady the job
   * asks the person to pick one account (an `account_select` challenge) before it completes.
   */
  verification?: boolean;
}

export interface SophtronApi {
  /** Health check: accepted, rejected (401/403) or unreachable; never throws for those three. */
  testCredentials(): Promise<CredentialCheck>;

  searchInstitutions(name: string): Promise<Institution[]>;
  getInstitution(institutionId: string): Promise<Institution>;

  listConnections(): Promise<RemoteConnection[]>;
  getConnection(userInstitutionId: string): Promise<RemoteConnection>;
  /** Not retried: creating twice would create two bank logins. */
  createConnection(input: NewConnection): Promise<{ jobId: string; userInstitutionId: string }>;
  refreshConnection(userInstitutionId: string): Promise<{ jobId: string }>;
  updateConnection(
    userInstitutionId: string,
    login: { username: string; password: string },
  ): Promise<{ jobId: string }>;
  deleteConnection(userInstitutionId: string): Promise<void>;

  listAccounts(userInstitutionId: string): Promise<ProviderAccountData[]>;
  getAccount(accountId: string): Promise<ProviderAccountData>;
  refreshAccount(accountId: string): Promise<{ jobId: string }>;
  /** Inclusive range, read in windows of SOPHTRON_WINDOW_DAYS; results merged, one row per TransactionID. */
  getTransactions(
    accountId: string,
    from: CalendarDate,
    to: CalendarDate,
  ): Promise<ProviderTransactionData[]>;

  getJob(jobId: string): Promise<JobState>;
  /** Not retried. Resolves false when Sophtron answered -1 (answer refused). */
  answerChallenge(jobId: string, answer: ChallengeAnswer): Promise<boolean>;

  /** Calls made through this client so far, per endpoint name (e.g. "Transaction/GetTransactionsByTransactionDate"). */
  callCounts(): Record<string, number>;
}

export interface RunJobOptions {
  /** Asked for each challenge; without it, the first challenge ends the job as needs_attention. */
  onChallenge?: (challenge: Challenge) => Promise<ChallengeAnswer>;
  onProgress?: (progress: JobProgress) => void;
  /** Default SOPHTRON_JOB_TIMEOUT_MS. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** First wait between polls (default 1 s); it grows by half each quiet poll up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  /** Longest wait between polls (default 8 s). */
  maxPollIntervalMs?: number;
  /** How often an answer may be refused (-1) before the job counts as failed (default 3). */
  maxAnswerAttempts?: number;
  /** The connection the job belongs to, when the caller knows it (else taken from the job). */
  userInstitutionId?: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/**
 * Everything the sandbox remembers: developer users, their connections (UserInstitutions),
 * accounts, jobs and v2 customers, and the sandbox clock. Each user's data is fully separate;
 * every lookup goes through the owner so one user can never reach another's objects.
 */
import {
  TEST_BANK_CREDENTIALS,
  FAVORITE_COLOR,
  type ChallengeStep,
  type SandboxInstitution,
} from './banks.js';
import { SandboxAccount, accountPlans } from './data.js';
import { Job, type Phase } from './jobs.js';
import { dayFromIso, dayOf, guid, hashSeed, mulberry32, type Rng } from './rng.js';

export interface SandboxUser {
  userId: string;
  accessKey: string;
}

/** A bank login as the sandbox holds it: Sophtron's UserInstitution. */
export interface UserInstitution {
  id: string;
  userId: string;
  memberId: string;
  customerId: string | null;
  institution: SandboxInstitution;
  userName: string;
  password: string;
  pin: string | null;
  companyId: string | null;
  createdAt: Date;
  lastModified: Date;
  lastUpdated: Date | null;
  accounts: SandboxAccount[];
  fullAccountNumbers: boolean;
  profileInfo: boolean;
  /** Set by a control call: the next login or refresh fails, or asks for MFA again. */
  nextJob: 'fail' | 'mfa' | null;
}

export interface Customer {
  id: string;
  userId: string;
  uniqueId: string | null;
  name: string | null;
  source: string | null;
  createdAt: Date;
}

export interface StateOptions {
  seed: number;
  pollsPerStep: number;
  /** Monotonic milliseconds for job steps that last a time (tests move it). */
  jobClock?: () => number;
  isoCurrency: boolean;
  bigAccount: boolean;
  /** Average card purchases per day of the big account (see SandboxAppOptions). */
  bigAccountPurchasesPerDay?: number;
  now: () => Date;
  /** Mixed into generated ids only (see SandboxAppOptions.idSalt). */
  idSalt?: string;
  /** Called after bank logins or their accounts change (the state file of `serve` is written then). */
  onChange?: () => void;
}

/** Sandbox-only triggers (documented in the CLI output and README). */
export const TRIGGERS = {
  failPassword: 'fail',
  timeoutPassword: 'timeout',
  neverPassword: 'never',
  mfaOnRefreshUser: 'mfa-on-refresh',
} as const;

export const INVALID_CREDENTIALS = 'Invalid credentials';
const TEST_HISTORY_START = dayFromIso('2021-01-01');
const HISTORY_DAYS = 730;

export type JobKind = 'create' | 'verify' | 'refresh' | 'refreshAccount' | 'update' | 'retry';

const JOB_TYPES: Record<JobKind, string> = {
  create: 'AddAccounts',
  verify: 'Verification',
  retry: 'AddAccounts',
  update: 'UpdateUserInstitution',
  refresh: 'RefreshUserInstitution',
  refreshAccount: 'RefreshAccount',
};

export class SandboxState {
  readonly users = new Map<string, SandboxUser>();
  readonly connections = new Map<string, UserInstitution>();
  readonly accounts = new Map<string, SandboxAccount>();
  readonly jobs = new Map<string, Job>();
  readonly customers = new Map<string, Customer>();
  offsetDays = 0;
  private readonly rng: Rng;

  constructor(readonly options: StateOptions) {
    this.rng = mulberry32(hashSeed(`state${options.idSalt ?? ''}`, options.seed));
  }

  newId(): string {
    return guid(this.rng);
  }

  now(): Date {
    return new Date(this.options.now().getTime() + this.offsetDays * 86_400_000);
  }

  today(): number {
    return dayOf(this.now());
  }

  addUser(user: SandboxUser): void {
    this.users.set(user.userId.toLowerCase(), user);
  }

  // --- owner-scoped lookups ---
  connection(userId: string, id: unknown): UserInstitution | undefined {
    const c = typeof id === 'string' ? this.connections.get(id.trim().toLowerCase()) : undefined;
    return c && c.userId === userId ? c : undefined;
  }
  account(userId: string, id: unknown): SandboxAccount | undefined {
    const a = typeof id === 'string' ? this.accounts.get(id.trim().toLowerCase()) : undefined;
    return a && a.userId === userId ? a : undefined;
  }
  job(userId: string, id: unknown): Job | undefined {
    const j = typeof id === 'string' ? this.jobs.get(id.trim().toLowerCase()) : undefined;
    return j && j.userId === userId ? j : undefined;
  }
  customer(userId: string, id: unknown): Customer | undefined {
    const c = typeof id === 'string' ? this.customers.get(id.trim().toLowerCase()) : undefined;
    return c && c.userId === userId ? c : undefined;
  }
  connectionsOf(userId: string): UserInstitution[] {
    return [...this.connections.values()].filter((c) => c.userId === userId);
  }

  createConnection(
    userId: string,
    institution: SandboxInstitution,
    login: { userName: string; password: string; pin?: string | null; companyId?: string | null },
    flags: {
      fullAccountNumbers?: boolean;
      profileInfo?: boolean;
      customerId?: string | null;
      /** A verification job: pauses at AccountsReady until one account is picked. */
      verification?: boolean;
    } = {},
  ): { connection: UserInstitution; job: Job } {
    const now = this.now();
    const connection: UserInstitution = {
      id: this.newId(),
      userId,
      memberId: this.newId(),
      customerId: flags.customerId ?? null,
      institution,
      userName: login.userName,
      password: login.password,
      pin: login.pin ?? null,
      companyId: login.companyId ?? null,
      createdAt: now,
      lastModified: now,
      lastUpdated: null,
      accounts: [],
      fullAccountNumbers: flags.fullAccountNumbers ?? false,
      profileInfo: flags.profileInfo ?? false,
      nextJob: null,
    };
    this.connections.set(connection.id, connection);
    return { connection, job: this.startJob(connection, flags.verification ? 'verify' : 'create') };
  }

  deleteConnection(c: UserInstitution): void {
    for (const a of c.accounts) this.accounts.delete(a.id);
    this.connections.delete(c.id);
    this.options.onChange?.();
  }

  startJob(connection: UserInstitution, kind: JobKind, accountId?: string): Job {
    const bank = connection.institution;
    const login = kind === 'create' || kind === 'verify' || kind === 'retry' || kind === 'update';
    const phases: Phase[] = [{ t: 'timed', step: 'LogInPanel', status: 'Started' }];
    const fail = (error: string, status: 'Completed' | 'Timeout' = 'Completed') =>
      phases.push({ t: 'end', success: false, status, error });
    const oneShot = connection.nextJob;
    connection.nextJob = null;
    if (connection.password === TRIGGERS.neverPassword) phases.push({ t: 'hang' });
    else if (connection.password === TRIGGERS.timeoutPassword)
      fail('The bank did not answer in time.', 'Timeout');
    else if (!this.credentialsValid(connection) || oneShot === 'fail') fail(INVALID_CREDENTIALS);
    else {
      const askAgain = oneShot === 'mfa' || (!login && connection.userName === TRIGGERS.mfaOnRefreshUser);
      const question: ChallengeStep = { kind: 'securityQuestion', questions: [FAVORITE_COLOR] };
      // A login runs the bank's own MFA; a refresh asks only when told to (or the bank has none).
      const own = login ? bank.mfa : [];
      const mfa = askAgain && own.length === 0 ? [question] : own;
      for (const ch of mfa) {
        phases.push({ t: 'challenge', ch });
        // LogInPanel, not TokenInput, while the bank works on an answer: clients (like Sure) read
        // LastStep "TokenInput" with no TokenInput yet as "a code is wanted".
        phases.push({ t: 'timed', step: 'LogInPanel', status: 'Started' });
      }
      if (kind === 'verify') phases.push({ t: 'select' });
      else
        phases.push({ t: 'timed', step: 'TransactionTable', status: 'AccountsReady', accountsReady: true });
      phases.push({ t: 'end', success: true, status: 'Completed', error: null });
    }
    const job = new Job({
      id: this.newId(),
      userId: connection.userId,
      userInstitutionId: connection.id,
      accountId,
      jobType: JOB_TYPES[kind],
      phases,
      rng: mulberry32(hashSeed(this.options.seed, 'job', this.jobs.size)),
      onAccountsReady: () => this.accountsReady(connection),
      ...(this.options.jobClock ? { clock: this.options.jobClock } : {}),
    });
    this.jobs.set(job.id, job);
    // A login or an update may have changed the login name or password the state file keeps.
    this.options.onChange?.();
    return job;
  }

  private credentialsValid(c: UserInstitution): boolean {
    if (c.password === TRIGGERS.failPassword) return false;
    if (!c.institution.test) return true;
    return TEST_BANK_CREDENTIALS.some(([u, p]) => u === c.userName && p === c.password);
  }

  private accountsReady(c: UserInstitution): void {
    c.lastUpdated = this.now();
    if (c.accounts.length > 0 || !this.connections.has(c.id)) return;
    const startDay = c.institution.test ? TEST_HISTORY_START : this.today() - HISTORY_DAYS;
    this.addAccounts(c, startDay, () => this.newId());
    this.options.onChange?.();
  }

  /**
   * The accounts of a bank login: their kinds and data follow from the seed and the login's id, so
   * the same ids and start day give the same accounts again (how a restored login gets them back).
   */
  addAccounts(c: UserInstitution, startDay: number, idFor: (index: number) => string): void {
    const rng = mulberry32(hashSeed(this.options.seed, 'accounts', c.id));
    const currencyLabel = this.options.isoCurrency ? c.institution.currency : '$';
    accountPlans(c.institution, rng, this.options.bigAccount, this.options.bigAccountPurchasesPerDay).forEach(
      (plan, index) => {
        const account = new SandboxAccount({
          id: idFor(index),
          connectionId: c.id,
          userId: c.userId,
          memberId: c.memberId,
          plan,
          startDay,
          seed: this.options.seed,
          currencyLabel,
        });
        c.accounts.push(account);
        this.accounts.set(account.id, account);
      },
    );
  }
}

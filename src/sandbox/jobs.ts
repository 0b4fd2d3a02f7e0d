/**
 * The job / MFA state machine of Sophtron's jobs. A job walks through phases; timed phases take
 * `pollsPerStep` polls of GetJobInformationByID, challenge phases wait for an answer and expose one
 * challenge at a time. Answers return Sophtron's TransmitStatus: 0 accepted, -1 rejected.
 */
import type { ChallengeStep } from './banks.js';
import { captchaCode, captchaPng } from './captcha.js';
import { EMPTY_GUID, type Rng } from './rng.js';

export type Phase =
  | { t: 'timed'; step: string; status: 'Started' | 'AccountsReady'; accountsReady?: boolean }
  | { t: 'challenge'; ch: ChallengeStep }
  | { t: 'end'; success: boolean; status: 'Completed' | 'Timeout'; error: string | null }
  | { t: 'hang' }
  /** A verification job at AccountsReady waits here until GetFullAccountNumberWithinJob names one account. */
  | { t: 'select' };

export type TransmitStatus = 0 | -1;

const lastStepOf = (ch: ChallengeStep): string =>
  ch.kind === 'tokenMethod' || ch.kind === 'tokenInput' || ch.kind === 'tokenRead'
    ? 'TokenInput'
    : 'LogInPanel';

export interface JobInit {
  id: string;
  userId: string;
  userInstitutionId: string;
  accountId?: string;
  jobType: string;
  phases: Phase[];
  rng: Rng;
  onAccountsReady: () => void;
  /** Monotonic milliseconds, for steps that last a time (default performance.now). */
  clock?: () => number;
}

export class Job {
  readonly id: string;
  readonly userId: string;
  readonly userInstitutionId: string;
  readonly accountId: string;
  readonly jobType: string;
  private readonly phases: Phase[];
  private idx = 0;
  private polls = 0;
  private enteredAt = 0;
  private readonly clock: () => number;
  private readonly rng: Rng;
  private readonly onAccountsReady: () => void;
  private captcha: string | null = null;
  private captchaImage: string | null = null;
  private tokenRead: string | null = null;
  private readonly answers = {
    SecurityAnswer: null as string | null,
    TokenChoice: null as string | null,
    TokenInput: null as string | null,
    VerifyPhoneFlag: null as boolean | null,
    CaptchaInput: null as string | null,
  };

  constructor(init: JobInit) {
    this.id = init.id;
    this.userId = init.userId;
    this.userInstitutionId = init.userInstitutionId;
    this.accountId = init.accountId ?? EMPTY_GUID;
    this.jobType = init.jobType;
    this.phases = init.phases;
    this.rng = init.rng;
    this.onAccountsReady = init.onAccountsReady;
    this.clock = init.clock ?? (() => performance.now());
    this.enter();
  }

  get phase(): Phase {
    return this.phases[this.idx]!;
  }

  get finished(): boolean {
    return this.phase.t === 'end';
  }

  /**
   * One GetJobInformationByID: a timed phase ends after `pollsPerStep` polls or `stepMs` of time,
   * whichever comes first: a client polling every few seconds (like the real one) sees a job of
   * about the bank's time, a test polling every millisecond does not wait for it.
   */
  poll(pollsPerStep: number, stepMs = 0): Record<string, unknown> {
    const p = this.phase;
    const timeUp = stepMs > 0 && this.clock() - this.enteredAt >= stepMs;
    if (p.t === 'timed' && (this.polls >= pollsPerStep || timeUp)) this.advance();
    this.polls++;
    return this.info();
  }

  /** The current challenge, for the v2 challenge endpoint and the control API. */
  challenge(): ChallengeStep | null {
    const p = this.phase;
    return p.t === 'challenge' ? p.ch : null;
  }

  answerSecurity(answer: unknown): TransmitStatus {
    const ch = this.challenge();
    if (ch?.kind !== 'securityQuestion' || typeof answer !== 'string') return -1;
    let answers: unknown;
    try {
      answers = JSON.parse(answer);
    } catch {
      answers = ch.questions.length === 1 ? [answer] : null;
    }
    if (typeof answers === 'string' && ch.questions.length === 1) answers = [answers];
    if (
      !Array.isArray(answers) ||
      answers.length !== ch.questions.length ||
      !answers.every((a) => typeof a === 'string' && a.trim() !== '')
    )
      return -1;
    this.answers.SecurityAnswer = answer;
    return this.advance();
  }

  answerToken(choice: unknown, input: unknown, verifyPhone: unknown): TransmitStatus {
    const ch = this.challenge();
    if (!ch) return -1;
    if (ch.kind === 'tokenMethod') {
      if (typeof choice !== 'string' || !ch.methods.includes(choice)) return -1;
      this.answers.TokenChoice = choice;
      return this.advance();
    }
    if (ch.kind === 'tokenInput') {
      const code = typeof input === 'number' ? String(input) : input;
      if (typeof code !== 'string' || code.trim() === '') return -1;
      this.answers.TokenInput = code;
      return this.advance();
    }
    if (ch.kind === 'tokenRead') {
      if (verifyPhone !== true && verifyPhone !== 'true') return -1;
      this.answers.VerifyPhoneFlag = true;
      return this.advance();
    }
    return -1;
  }

  /** True while a verification job waits for the person to pick one account. */
  get waitingForAccount(): boolean {
    return this.phase.t === 'select';
  }

  /** GetFullAccountNumberWithinJob: `isOwnAccount` tells whether the id is one of the connection's accounts. */
  answerAccountSelect(accountId: unknown, isOwnAccount: (id: string) => boolean): TransmitStatus {
    if (this.phase.t !== 'select' || typeof accountId !== 'string' || !isOwnAccount(accountId)) return -1;
    return this.advance();
  }

  /** Like the real test bank, any non-empty text passes the captcha. */
  answerCaptcha(input: unknown): TransmitStatus {
    if (this.challenge()?.kind !== 'captcha' || typeof input !== 'string' || input.trim() === '') return -1;
    this.answers.CaptchaInput = input;
    return this.advance();
  }

  /** The captcha code, so tests and the control API can see it (any answer is accepted anyway). */
  captchaCode(): string | null {
    return this.captcha;
  }

  private advance(): TransmitStatus {
    if (this.idx < this.phases.length - 1) this.idx++;
    this.polls = 0;
    this.enter();
    return 0;
  }

  private enter(): void {
    this.enteredAt = this.clock();
    const p = this.phase;
    if ((p.t === 'timed' && p.accountsReady) || p.t === 'select') this.onAccountsReady();
    if (p.t === 'challenge' && p.ch.kind === 'captcha') {
      this.captcha = captchaCode(this.rng);
      this.captchaImage = captchaPng(this.captcha, this.rng);
    }
    if (p.t === 'challenge' && p.ch.kind === 'tokenRead')
      this.tokenRead = String(Math.floor(this.rng() * 90) + 10);
  }

  /** JobInformation with every field present (null when unset). */
  info(): Record<string, unknown> {
    const p = this.phase;
    const ch = p.t === 'challenge' ? p.ch : null;
    let lastStep = 'LogInPanel';
    let lastStatus: string = 'Started';
    let success: boolean | null = null;
    let error: string | null = null;
    if (p.t === 'timed') {
      lastStep = p.step;
      lastStatus = p.status;
    } else if (p.t === 'select') {
      lastStep = 'TransactionTable';
      lastStatus = 'AccountsReady';
    } else if (ch) {
      lastStep = lastStepOf(ch);
      lastStatus = 'Waiting';
    } else if (p.t === 'end') {
      lastStep = p.success ? 'TransactionTable' : 'LogInPanel';
      lastStatus = p.status;
      success = p.success;
      error = p.error;
    }
    return {
      JobID: this.id,
      JobType: this.jobType,
      UserInstitutionID: this.userInstitutionId,
      AccountID: this.accountId,
      SuccessFlag: success,
      LastStep: lastStep,
      LastStatus: lastStatus,
      SecurityQuestion: ch?.kind === 'securityQuestion' ? JSON.stringify(ch.questions) : null,
      SecurityAnswer: this.answers.SecurityAnswer,
      TokenMethod: ch?.kind === 'tokenMethod' ? JSON.stringify(ch.methods) : null,
      TokenChoice: this.answers.TokenChoice,
      TokenSentFlag: ch?.kind === 'tokenInput' ? true : null,
      TokenInputName: ch?.kind === 'tokenInput' ? ch.inputName : null,
      TokenInput: this.answers.TokenInput,
      TokenRead: ch?.kind === 'tokenRead' ? this.tokenRead : null,
      VerifyPhoneFlag: this.answers.VerifyPhoneFlag,
      CaptchaImage: ch?.kind === 'captcha' ? this.captchaImage : null,
      CaptchaInput: this.answers.CaptchaInput,
      ErrorMessage: error,
    };
  }
}

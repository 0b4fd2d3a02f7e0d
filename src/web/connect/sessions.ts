/**
 * Live connect sessions: one bank login being driven through Sophtron's job and its MFA
 * challenges while a person watches. Kept in memory (a job lasts minutes), keyed by a random id
 * and bound to the login session that started it: another session gets "not found".
 */
import { connectBank, refreshConnection, runJob } from '../../sophtron/connect.js';
import type { NewConnection, SophtronApi } from '../../sophtron/api.js';
import type { Challenge, ChallengeAnswer, Institution, JobOutcome } from '../../domain/types.js';
import { recordConnection } from '../../store/record-connection.js';
import type { Store } from '../../store/index.js';
import { randomToken } from '../auth/tokens.js';

export type ConnectPhase = 'working' | 'challenge' | 'accounts' | 'failed';

export interface ConnectSession {
  id: string;
  ownerSession: string;
  familyId: string;
  institution: Pick<Institution, 'id' | 'name' | 'countryCode'>;
  startedAt: number;
  phase: ConnectPhase;
  step: string | null;
  status: string | null;
  polls: number;
  challenge: Challenge | null;
  /** Increases with each challenge, so a stale form cannot answer a newer challenge. */
  challengeSeq: number;
  message: string | null;
  connectionId: string | null;
  answer: ((a: ChallengeAnswer) => void) | null;
  abort: AbortController;
}

export interface ConnectOptions {
  jobTimeoutMs: number;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** How long a challenge may wait for a person before the attempt is abandoned. */
  answerTimeoutMs?: number;
}

const SESSION_TTL_MS = 60 * 60_000;

export class ConnectSessions {
  private readonly sessions = new Map<string, ConnectSession>();

  constructor(
    private readonly store: Store,
    private readonly options: ConnectOptions,
  ) {}

  /** The session, only for the login session that started it. */
  get(id: string, ownerSession: string): ConnectSession | undefined {
    const s = this.sessions.get(id);
    return s && s.ownerSession === ownerSession ? s : undefined;
  }

  /** Starts a new bank login. The password goes to Sophtron in this call and is not kept. */
  startConnect(
    api: SophtronApi,
    owner: { session: string; familyId: string },
    institution: ConnectSession['institution'],
    login: NewConnection,
  ): ConnectSession {
    const s = this.create(owner, institution);
    void this.drive(s, api, (opts) => connectBank(api, login, opts));
    return s;
  }

  /** Refreshes an existing connection that needs MFA again (the dashboard's "Fix" action). */
  startReconnect(
    api: SophtronApi,
    owner: { session: string; familyId: string },
    institution: ConnectSession['institution'],
    userInstitutionId: string,
  ): ConnectSession {
    const s = this.create(owner, institution);
    void this.drive(s, api, (opts) =>
      refreshConnection(api, userInstitutionId, opts).then((r) => ({ ...r, userInstitutionId })),
    );
    return s;
  }

  /** Sends a new login for an existing connection (the bank refused the old one), then drives the job. */
  startUpdate(
    api: SophtronApi,
    owner: { session: string; familyId: string },
    institution: ConnectSession['institution'],
    userInstitutionId: string,
    login: { username: string; password: string },
  ): ConnectSession {
    const s = this.create(owner, institution);
    void this.drive(s, api, async (opts) => {
      const { jobId } = await api.updateConnection(userInstitutionId, login);
      return { ...(await runJob(api, jobId, { ...opts, userInstitutionId })), userInstitutionId };
    });
    return s;
  }

  /** Passes a person's answer to the waiting job; false when no challenge (of that round) waits. */
  answer(s: ConnectSession, seq: number, answer: ChallengeAnswer): boolean {
    if (s.phase !== 'challenge' || !s.answer || seq !== s.challengeSeq) return false;
    const resolve = s.answer;
    s.answer = null;
    s.challenge = null;
    s.phase = 'working';
    s.step = 'Sending your answer to the bank';
    resolve(answer);
    return true;
  }

  cancel(s: ConnectSession): void {
    s.abort.abort(new Error('cancelled'));
    if (s.phase === 'working' || s.phase === 'challenge') {
      s.phase = 'failed';
      s.message = 'Cancelled.';
    }
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.abort.abort(new Error('server stopping'));
    this.sessions.clear();
  }

  private create(
    owner: { session: string; familyId: string },
    institution: ConnectSession['institution'],
  ): ConnectSession {
    this.prune();
    const s: ConnectSession = {
      id: randomToken(),
      ownerSession: owner.session,
      familyId: owner.familyId,
      institution,
      startedAt: Date.now(),
      phase: 'working',
      step: 'Sending your login to the bank through Sophtron',
      status: null,
      polls: 0,
      challenge: null,
      challengeSeq: 0,
      message: null,
      connectionId: null,
      answer: null,
      abort: new AbortController(),
    };
    this.sessions.set(s.id, s);
    return s;
  }

  private prune(now = Date.now()): void {
    for (const [id, s] of this.sessions)
      if (now - s.startedAt > SESSION_TTL_MS) {
        s.abort.abort(new Error('expired'));
        this.sessions.delete(id);
      }
  }

  private waitForAnswer(s: ConnectSession, challenge: Challenge): Promise<ChallengeAnswer> {
    return new Promise((resolve, reject) => {
      s.challenge = challenge;
      s.challengeSeq++;
      s.phase = 'challenge';
      const timer = setTimeout(
        () => reject(new Error('Nobody answered the bank’s question in time; start again.')),
        this.options.answerTimeoutMs ?? 10 * 60_000,
      );
      timer.unref?.();
      s.abort.signal.addEventListener('abort', () => reject(s.abort.signal.reason), { once: true });
      s.answer = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
    });
  }

  private async drive(
    s: ConnectSession,
    api: SophtronApi,
    run: (opts: Parameters<typeof connectBank>[2]) => Promise<JobOutcome & { userInstitutionId: string }>,
  ): Promise<void> {
    try {
      const result = await run({
        onChallenge: (ch) => this.waitForAnswer(s, ch),
        onProgress: (p) => {
          if (s.phase !== 'working') return;
          s.polls = p.polls;
          s.step = p.step ?? s.step;
          s.status = p.status;
        },
        timeoutMs: this.options.jobTimeoutMs,
        signal: s.abort.signal,
        ...(this.options.pollIntervalMs !== undefined ? { pollIntervalMs: this.options.pollIntervalMs } : {}),
        ...(this.options.maxPollIntervalMs !== undefined
          ? { maxPollIntervalMs: this.options.maxPollIntervalMs }
          : {}),
      });
      s.step = 'Reading the list of accounts';
      const accounts = result.outcome === 'connected' ? await api.listAccounts(result.userInstitutionId) : [];
      const recorded = await recordConnection(this.store, s.familyId, result, s.institution, accounts, {
        userInstitutionId: result.userInstitutionId,
      });
      s.connectionId = recorded?.connection.id ?? null;
      if (result.outcome === 'connected') {
        s.phase = 'accounts';
      } else {
        s.phase = 'failed';
        s.message =
          result.outcome === 'failed'
            ? result.message
            : result.outcome === 'needs_attention'
              ? result.reason
              : `The bank did not finish within ${Math.round(result.afterMs / 1000)} seconds. Try again later.`;
      }
    } catch (err) {
      s.phase = 'failed';
      s.message = err instanceof Error ? err.message : String(err);
    } finally {
      s.answer = null;
      s.challenge = null;
    }
  }
}

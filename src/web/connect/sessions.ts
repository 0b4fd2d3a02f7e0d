/**
 * Connect sessions: one bank login being driven through Sophtron's job and its MFA challenges
 * while a person watches, keyed by a random id and bound to the login session that started it
 * (another session gets "not found"). The state lives in the database (store/connect-sessions.ts),
 * so every `serve` process behind one database shows it and takes the person's answers; the
 * process that started it drives the job (it holds the Sophtron client, and the bank password only
 * for the one call that sends it) and asks the database for each answer at a short interval.
 */
import { connectBank, refreshConnection, runJob } from '../../sophtron/connect.js';
import type { NewConnection, SophtronApi } from '../../sophtron/api.js';
import type { Challenge, ChallengeAnswer, JobOutcome } from '../../domain/types.js';
import type { ConnectInstitution, StoredConnectSession } from '../../store/connect-sessions.js';
import { recordConnection } from '../../store/record-connection.js';
import type { Store } from '../../store/index.js';
import { sleep } from '../../sleep.js';
import { randomToken } from '../auth/tokens.js';

export type { ConnectPhase } from '../../store/connect-sessions.js';
/** A connect session as any process reads it from the database. */
export type ConnectSession = StoredConnectSession;

export interface ConnectOptions {
  jobTimeoutMs: number;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** How long a challenge may wait for a person before the attempt is abandoned. */
  answerTimeoutMs?: number;
  /** How often the driver asks the database for an answer or a cancel (default 500 ms). */
  watchIntervalMs?: number;
}

const SESSION_TTL_MS = 60 * 60_000;
/** The driver writes at least this often while it runs; a session silent for STALE_MS has lost its driver. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;
const DRIVER_STOPPED = 'The server connecting this bank stopped; start again.';

type Owner = { session: string; familyId: string };
type JobRun = (
  opts: Parameters<typeof connectBank>[2],
) => Promise<JobOutcome & { userInstitutionId: string }>;

export class ConnectSessions {
  /** The sessions this process drives, to stop them when it stops. */
  private readonly driving = new Map<string, { familyId: string; abort: AbortController }>();

  constructor(
    private readonly store: Store,
    private readonly options: ConnectOptions,
  ) {}

  /** The session, only for the login session that started it (served by any process). */
  async get(id: string, owner: Owner): Promise<ConnectSession | undefined> {
    const s = await this.store.getConnectSession(owner.familyId, id);
    if (!s || s.ownerSession !== owner.session) return undefined;
    const running = s.phase === 'working' || s.phase === 'challenge';
    // Its driver died (killed, machine gone): nobody will answer the bank, so say so.
    if (running && !this.driving.has(id) && Date.now() - s.updatedAt > STALE_MS)
      return { ...s, phase: 'failed', message: DRIVER_STOPPED, challenge: null };
    return s;
  }

  /** Starts a new bank login. The password goes to Sophtron in this call and is not kept. */
  startConnect(api: SophtronApi, owner: Owner, institution: ConnectInstitution, login: NewConnection) {
    return this.start(owner, institution, api, (opts) => connectBank(api, login, opts));
  }

  /** Refreshes an existing connection that needs MFA again (the dashboard's "Fix" action). */
  startReconnect(api: SophtronApi, owner: Owner, institution: ConnectInstitution, userInstitutionId: string) {
    return this.start(owner, institution, api, (opts) =>
      refreshConnection(api, userInstitutionId, opts).then((r) => ({ ...r, userInstitutionId })),
    );
  }

  /** Sends a new login for an existing connection (the bank refused the old one), then drives the job. */
  startUpdate(
    api: SophtronApi,
    owner: Owner,
    institution: ConnectInstitution,
    userInstitutionId: string,
    login: { username: string; password: string },
  ) {
    return this.start(owner, institution, api, async (opts) => {
      const { jobId } = await api.updateConnection(userInstitutionId, login);
      return { ...(await runJob(api, jobId, { ...opts, userInstitutionId })), userInstitutionId };
    });
  }

  /** Stores a person's answer for the driver; false when no challenge (of that round) waits. */
  answer(s: ConnectSession, seq: number, answer: ChallengeAnswer): Promise<boolean> {
    return this.store.answerConnectChallenge(s.familyId, s.id, seq, answer);
  }

  /** Cancels the session; its driver (in this process or another) stops at its next look. */
  async cancel(s: ConnectSession): Promise<void> {
    await this.store.cancelConnectSession(s.familyId, s.id);
    this.driving.get(s.id)?.abort.abort(new Error('Cancelled.'));
  }

  /** Stops the jobs this process drives; their pages say so (no other process can drive them). */
  async closeAll(): Promise<void> {
    const message = DRIVER_STOPPED;
    const stopping = [...this.driving].map(async ([id, d]) => {
      d.abort.abort(new Error(message));
      await this.store
        .updateConnectSession(d.familyId, id, { phase: 'failed', message })
        .catch(() => undefined);
    });
    this.driving.clear();
    await Promise.all(stopping);
  }

  private async start(
    owner: Owner,
    institution: ConnectInstitution,
    api: SophtronApi,
    run: JobRun,
  ): Promise<{ id: string }> {
    const now = Date.now();
    await this.store.pruneConnectSessions(owner.familyId, new Date(now - SESSION_TTL_MS).toISOString());
    const id = randomToken();
    await this.store.createConnectSession(owner.familyId, {
      id,
      ownerSession: owner.session,
      institution,
      step: 'Sending your login to the bank through Sophtron',
      startedAt: now,
    });
    const abort = new AbortController();
    this.driving.set(id, { familyId: owner.familyId, abort });
    void this.drive(owner.familyId, id, institution, api, run, abort).finally(() => this.driving.delete(id));
    return { id };
  }

  private get watchMs(): number {
    return this.options.watchIntervalMs ?? 500;
  }

  /** Shows the challenge, then asks the database for the person's answer until it comes. */
  private async waitForAnswer(
    familyId: string,
    id: string,
    challenge: Challenge,
    signal: AbortSignal,
  ): Promise<ChallengeAnswer> {
    const seq = await this.store.setConnectChallenge(familyId, id, challenge);
    if (seq === 0) throw new Error('Cancelled.');
    const deadline = Date.now() + (this.options.answerTimeoutMs ?? 10 * 60_000);
    for (;;) {
      const answer = await this.store.takeConnectAnswer(familyId, id, seq);
      if (answer) return answer;
      if (Date.now() > deadline) throw new Error('Nobody answered the bank’s question in time; start again.');
      await sleep(this.watchMs, signal);
    }
  }

  /** Stops the job when the session is cancelled from any process; says it is alive meanwhile. */
  private async watchForCancel(familyId: string, id: string, abort: AbortController): Promise<void> {
    let touchedAt = Date.now();
    while (!abort.signal.aborted) {
      await sleep(this.watchMs, abort.signal).catch(() => undefined);
      if (abort.signal.aborted) return;
      const s = await this.store.getConnectSession(familyId, id).catch(() => undefined);
      if (!s || s.cancelled) abort.abort(new Error('Cancelled.'));
      else if (Date.now() - touchedAt >= HEARTBEAT_MS) {
        touchedAt = Date.now();
        await this.store.updateConnectSession(familyId, id, {}).catch(() => undefined);
      }
    }
  }

  private async drive(
    familyId: string,
    id: string,
    institution: ConnectInstitution,
    api: SophtronApi,
    run: JobRun,
    abort: AbortController,
  ): Promise<void> {
    const update = (p: Parameters<Store['updateConnectSession']>[2], whilePhase?: 'working') =>
      this.store.updateConnectSession(familyId, id, p, whilePhase);
    // Progress is written in order, one write at a time, and never after the next phase.
    let progressWrites = Promise.resolve();
    const watcher = this.watchForCancel(familyId, id, abort);
    try {
      const result = await run({
        onChallenge: (ch) => this.waitForAnswer(familyId, id, ch, abort.signal),
        onProgress: (p) => {
          progressWrites = progressWrites
            .then(() =>
              update({ polls: p.polls, status: p.status, ...(p.step ? { step: p.step } : {}) }, 'working'),
            )
            .then(
              () => undefined,
              () => undefined,
            );
        },
        timeoutMs: this.options.jobTimeoutMs,
        signal: abort.signal,
        ...(this.options.pollIntervalMs !== undefined ? { pollIntervalMs: this.options.pollIntervalMs } : {}),
        ...(this.options.maxPollIntervalMs !== undefined
          ? { maxPollIntervalMs: this.options.maxPollIntervalMs }
          : {}),
      });
      await progressWrites;
      await update({ step: 'Reading the list of accounts' });
      const accounts = result.outcome === 'connected' ? await api.listAccounts(result.userInstitutionId) : [];
      const recorded = await recordConnection(this.store, familyId, result, institution, accounts, {
        userInstitutionId: result.userInstitutionId,
      });
      const connectionId = recorded?.connection.id ?? null;
      await update(
        result.outcome === 'connected'
          ? { phase: 'accounts', connectionId }
          : {
              phase: 'failed',
              connectionId,
              message:
                result.outcome === 'failed'
                  ? result.message
                  : result.outcome === 'needs_attention'
                    ? result.reason
                    : `The bank did not finish within ${Math.round(result.afterMs / 1000)} seconds. Try again later.`,
            },
      );
    } catch (err) {
      await progressWrites;
      await update({ phase: 'failed', message: err instanceof Error ? err.message : String(err) }).catch(
        () => undefined,
      );
    } finally {
      abort.abort(new Error('finished'));
      await watcher;
    }
  }
}

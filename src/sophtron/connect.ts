/**
 * The job driver: polls a Sophtron job (connect, refresh) on a schedule that suits jobs of minutes,
 * hands each MFA challenge to whoever can answer it (a terminal, a web page), and ends in one
 * JobOutcome. Used unchanged by the CLI, the web application and background refreshes.
 */
import type { Config } from '../config.js';
import type { NewConnection, RunJobOptions, SophtronApi } from './api.js';
import { SophtronNotFoundError } from './errors.js';
import type { Challenge, ChallengeAnswer, JobOutcome } from '../domain/types.js';
import type { JobState } from './types.js';
import { sleep as abortableSleep } from '../sleep.js';

export const DEFAULT_JOB_TIMEOUT_MS = 600_000;

/** Job timing from the settings: SOPHTRON_JOB_TIMEOUT_MS and SOPHTRON_JOB_POLL_MS (waits grow to 8×, at most 8 s). */
export function jobTiming(
  config: Pick<Config, 'sophtronJobTimeoutMs' | 'sophtronJobPollMs'>,
): Pick<RunJobOptions, 'timeoutMs' | 'pollIntervalMs' | 'maxPollIntervalMs'> {
  const poll = config.sophtronJobPollMs;
  return {
    timeoutMs: config.sophtronJobTimeoutMs,
    pollIntervalMs: poll,
    maxPollIntervalMs: Math.max(poll, Math.min(8_000, poll * 8)),
  };
}

/** What a person is asked, in one short sentence (needs-attention reasons, progress lines). */
export function describeChallenge(challenge: Challenge): string {
  switch (challenge.kind) {
    case 'security_questions':
      return challenge.questions.length > 1
        ? 'The bank asks for security answers'
        : 'The bank asks for a security answer';
    case 'token_method':
      return 'The bank asks where to send a verification code';
    case 'token_input':
      return 'The bank asks for the verification code it sent';
    case 'token_read':
      return 'The bank asks to approve the sign-in on your device';
    case 'captcha':
      return 'The bank asks to type the characters of a captcha image';
    case 'account_select':
      return 'The bank asks to choose an account';
  }
}

/** Identity of a challenge, to tell a stale one (already answered) from a new round. */
function challengeKey(c: Challenge): string {
  switch (c.kind) {
    case 'security_questions':
      return `q:${JSON.stringify(c.questions)}`;
    case 'token_method':
      return `m:${JSON.stringify(c.methods)}`;
    case 'token_input':
      return `t:${c.label}`;
    case 'token_read':
      return `r:${c.code}`;
    case 'captcha':
      return `c:${c.image.length}:${Buffer.from(c.image).toString('base64').slice(-64)}`;
    case 'account_select':
      return `a:${c.accounts.map((a) => a.accountId).join(',')}`;
  }
}

function stateText(state: JobState): { step: string | null; status: string | null } {
  switch (state.state) {
    case 'running':
      return { step: state.step, status: state.status };
    case 'challenge':
      return { step: state.challenge.kind, status: 'Waiting' };
    case 'accounts_ready':
      return { step: null, status: 'AccountsReady' };
    case 'succeeded':
      return { step: null, status: 'Completed' };
    case 'failed':
      return { step: null, status: 'Failed' };
  }
}

/**
 * A challenge seen again right after an accepted answer is the job still catching up, for this many
 * polls; after that it is a new round and is asked again.
 */
const STALE_CHALLENGE_POLLS = 3;

/** Polls during which "job not found" means "not visible yet" rather than "no such job". */
const NOT_FOUND_GRACE_POLLS = 3;

/**
 * Thrown by an onChallenge handler when nobody can answer now (a script's input ran out): the job
 * then ends as needs_attention, like a job run without onChallenge, instead of as an error, so the
 * connection is recorded as waiting for a person.
 */
export class NoAnswerError extends Error {
  override name = 'NoAnswerError';
}

export async function runJob(
  api: SophtronApi,
  jobId: string,
  options: RunJobOptions = {},
): Promise<JobOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  const firstInterval = Math.max(0, options.pollIntervalMs ?? 1_000);
  const maxInterval = Math.max(firstInterval, options.maxPollIntervalMs ?? 8_000);
  const maxAttempts = Math.max(1, options.maxAnswerAttempts ?? 3);
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const signal = options.signal;
  const started = now();

  let interval = firstInterval;
  let polls = 0;
  let userInstitutionId: string | null = options.userInstitutionId ?? null;
  let accountsReady = false;
  const accepted: { key: string | null; polls: number } = { key: null, polls: 0 };
  const refused = new Map<string, number>();
  const connected = (): JobOutcome => ({ outcome: 'connected', userInstitutionId: userInstitutionId ?? '' });

  for (;;) {
    signal?.throwIfAborted();
    const elapsed = now() - started;
    if (elapsed >= timeoutMs) {
      // Accounts are listed already: the rest (transactions) arrives with later reads.
      return accountsReady ? connected() : { outcome: 'timed_out', afterMs: elapsed };
    }
    await sleep(Math.min(interval, timeoutMs - elapsed), signal);
    let state: JobState;
    try {
      state = await api.getJob(jobId);
    } catch (err) {
      // A job just created may not be readable yet (reads lag writes at Sophtron): a few polls' grace.
      if (!(err instanceof SophtronNotFoundError) || polls >= NOT_FOUND_GRACE_POLLS) throw err;
      state = { state: 'running', step: null, status: null };
    }
    polls++;
    options.onProgress?.({ jobId, elapsedMs: now() - started, polls, ...stateText(state) });

    switch (state.state) {
      case 'succeeded':
        userInstitutionId ??= state.userInstitutionId ?? null;
        return connected();
      case 'failed':
        return {
          outcome: 'failed',
          message: state.message,
          ...(state.bankTimedOut ? { bankTimedOut: true } : {}),
        };
      case 'accounts_ready':
        accountsReady = true;
        userInstitutionId ??= state.userInstitutionId ?? null;
        interval = Math.min(maxInterval, interval * 1.5);
        continue;
      case 'running':
        interval = Math.min(maxInterval, interval * 1.5);
        continue;
      case 'challenge':
        break;
    }

    const challenge = state.challenge;
    const key = challengeKey(challenge);
    if (accepted.key === key && accepted.polls < STALE_CHALLENGE_POLLS) {
      accepted.polls++;
      continue;
    }
    accepted.key = null;
    if (!options.onChallenge) {
      return { outcome: 'needs_attention', reason: describeChallenge(challenge), challenge };
    }
    let answer: ChallengeAnswer;
    try {
      answer = await options.onChallenge(challenge);
    } catch (err) {
      if (err instanceof NoAnswerError)
        return { outcome: 'needs_attention', reason: describeChallenge(challenge), challenge };
      throw err;
    }
    signal?.throwIfAborted();
    if (answer.kind !== challenge.kind) {
      throw new TypeError(
        `The answer is for a ${answer.kind} challenge, but the bank asked for ${challenge.kind}`,
      );
    }
    const ok = await api.answerChallenge(jobId, answer);
    interval = firstInterval;
    if (ok) {
      accepted.key = key;
      accepted.polls = 0;
      continue;
    }
    const count = (refused.get(challenge.kind) ?? 0) + 1;
    refused.set(challenge.kind, count);
    if (count >= maxAttempts) {
      return {
        outcome: 'failed',
        message: `The bank refused the answer ${count} times (${describeChallenge(challenge).toLowerCase()})`,
      };
    }
  }
}

/** Creates the bank login at Sophtron, then drives its job to the end. */
export async function connectBank(
  api: SophtronApi,
  input: NewConnection,
  options: RunJobOptions = {},
): Promise<JobOutcome & { jobId: string; userInstitutionId: string }> {
  const { jobId, userInstitutionId } = await api.createConnection(input);
  const outcome = await runJob(api, jobId, { ...options, userInstitutionId });
  return { ...outcome, jobId, userInstitutionId };
}

/** Refreshes every account of a connection; may need MFA again (needs_attention without onChallenge). */
export async function refreshConnection(
  api: SophtronApi,
  userInstitutionId: string,
  options: RunJobOptions = {},
): Promise<JobOutcome & { jobId: string }> {
  const { jobId } = await api.refreshConnection(userInstitutionId);
  return { ...(await runJob(api, jobId, { ...options, userInstitutionId })), jobId };
}

/** Refreshes one account (Sure does this before each sync). */
export async function refreshAccount(
  api: SophtronApi,
  accountId: string,
  options: RunJobOptions = {},
): Promise<JobOutcome & { jobId: string }> {
  const { jobId } = await api.refreshAccount(accountId);
  return { ...(await runJob(api, jobId, options)), jobId };
}

/**
 * The job driver over the real client and a scripted Sophtron job server (port 0): dispatch,
 * stale challenges, refused answers, needs-attention, timeouts, abort and the poll schedule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { noRetryClient } from '../../test/fakes/scripted-sophtron.js';
import { startTestServer, type Reply, type TestServer } from '../../test/fakes/scripted-http.js';
import { connectBank, describeChallenge, jobTiming, NoAnswerError, runJob } from './connect.js';
import { SophtronNotFoundError } from './errors.js';
import type { Challenge, ChallengeAnswer } from '../domain/types.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type JobFields = Record<string, unknown>;

/** A job whose GetJobInformationByID answers follow `polls` (the last one repeats); answers by `answers`. */
async function jobServer(polls: JobFields[], answers: (path: string, body: unknown) => number = () => 0) {
  let n = 0;
  server = await startTestServer((req): Reply => {
    if (req.path.endsWith('/GetJobInformationByID')) {
      const fields = polls[Math.min(n++, polls.length - 1)]!;
      return {
        body: {
          JobID: 'job-1',
          UserInstitutionID: 'ui-1',
          SuccessFlag: null,
          LastStatus: 'Started',
          ...fields,
        },
      };
    }
    if (req.path.endsWith('/CreateUserInstitution'))
      return { body: { JobID: 'job-1', UserInstitutionID: 'ui-1' } };
    return { body: answers(req.path, req.body) };
  });
  const api = noRetryClient(server.url);
  return { api, server };
}

const fast = { pollIntervalMs: 1, maxPollIntervalMs: 2 };
const running: JobFields = { LastStep: 'LogInPanel', LastStatus: 'Started' };
const done: JobFields = { SuccessFlag: true, LastStatus: 'Completed' };
const question: JobFields = { SecurityQuestion: '["What is your favorite color?"]', LastStatus: 'Waiting' };

describe('runJob', () => {
  it('connects after running polls, reporting progress', async () => {
    const { api } = await jobServer([running, running, { LastStatus: 'AccountsReady' }, done]);
    const progress: string[] = [];
    const outcome = await runJob(api, 'job-1', {
      ...fast,
      onProgress: (p) => progress.push(`${p.polls}:${p.status}`),
    });
    expect(outcome).toEqual({ outcome: 'connected', userInstitutionId: 'ui-1' });
    expect(progress).toEqual(['1:Started', '2:Started', '3:AccountsReady', '4:Completed']);
  });

  it("fails with Sophtron's message or a generic one", async () => {
    const { api } = await jobServer([
      running,
      { SuccessFlag: false, LastStatus: 'Completed', ErrorMessage: 'Invalid credentials' },
    ]);
    expect(await runJob(api, 'job-1', fast)).toEqual({ outcome: 'failed', message: 'Invalid credentials' });
  });

  it('without onChallenge, the first challenge is needs_attention (not an error)', async () => {
    const { api, server: s } = await jobServer([running, question]);
    const outcome = await runJob(api, 'job-1', fast);
    expect(outcome).toEqual({
      outcome: 'needs_attention',
      reason: 'The bank asks for a security answer',
      challenge: { kind: 'security_questions', questions: ['What is your favorite color?'] },
    });
    expect(s.requests.filter((r) => !r.path.endsWith('GetJobInformationByID'))).toHaveLength(0);
  });

  it('a handler that cannot answer (NoAnswerError) ends the job as needs_attention; other errors pass', async () => {
    const { api, server: s } = await jobServer([running, question]);
    const outcome = await runJob(api, 'job-1', {
      ...fast,
      onChallenge: () => Promise.reject(new NoAnswerError('input ended')),
    });
    expect(outcome).toMatchObject({
      outcome: 'needs_attention',
      reason: 'The bank asks for a security answer',
    });
    expect(s.requests.filter((r) => !r.path.endsWith('GetJobInformationByID'))).toHaveLength(0);
    // The job still shows the question: any other failure of the handler is an error.
    await expect(
      runJob(api, 'job-1', { ...fast, onChallenge: () => Promise.reject(new Error('boom')) }),
    ).rejects.toThrow('boom');
  });

  it('a challenge still showing right after an accepted answer is not asked twice', async () => {
    const { api, server: s } = await jobServer([question, question, question, running, done]);
    const asked: Challenge[] = [];
    const outcome = await runJob(api, 'job-1', {
      ...fast,
      onChallenge: async (c) => {
        asked.push(c);
        return { kind: 'security_questions', answers: ['blue'] };
      },
    });
    expect(outcome.outcome).toBe('connected');
    expect(asked).toHaveLength(1);
    expect(s.requests.find((r) => r.path.endsWith('UpdateJobSecurityAnswer'))!.body).toEqual({
      JobID: 'job-1',
      SecurityAnswer: '["blue"]',
    });
  });

  it('a new round with different questions is asked', async () => {
    const second = { SecurityQuestion: '["First pet?","Born where?"]', SecurityAnswer: '["blue"]' };
    const { api } = await jobServer([question, second, done]);
    const asked: string[][] = [];
    await runJob(api, 'job-1', {
      ...fast,
      onChallenge: async (c) => {
        if (c.kind !== 'security_questions') throw new Error('unexpected');
        asked.push(c.questions);
        return { kind: 'security_questions', answers: c.questions.map(() => 'x') };
      },
    });
    expect(asked).toEqual([['What is your favorite color?'], ['First pet?', 'Born where?']]);
  });

  it('a refused answer (-1) is asked again, up to maxAnswerAttempts', async () => {
    let calls = 0;
    const { api } = await jobServer([question, question, question, done], () => (++calls < 2 ? -1 : 0));
    const answers: ChallengeAnswer[] = [
      { kind: 'security_questions', answers: ['wrong'] },
      { kind: 'security_questions', answers: ['right'] },
    ];
    const asked: string[] = [];
    // Poll 1: refused; poll 2: asked again and accepted; poll 3: still showing (stale); poll 4: done.
    const outcome = await runJob(api, 'job-1', {
      ...fast,
      maxAnswerAttempts: 2,
      onChallenge: async (c) => {
        asked.push(c.kind);
        return answers.shift()!;
      },
    });
    expect(asked).toEqual(['security_questions', 'security_questions']);
    expect(outcome).toEqual({ outcome: 'connected', userInstitutionId: 'ui-1' });
    await server!.close();

    let refusals = 0;
    const again = await jobServer([question], () => {
      refusals++;
      return -1;
    });
    const failed = await runJob(again.api, 'job-1', {
      ...fast,
      maxAnswerAttempts: 3,
      onChallenge: async () => ({ kind: 'security_questions', answers: ['no'] }),
    });
    expect(refusals).toBe(3);
    expect(failed).toEqual({
      outcome: 'failed',
      message: 'The bank refused the answer 3 times (the bank asks for a security answer)',
    });
  });

  it('times out; after AccountsReady a timeout still counts as connected', async () => {
    // The job's clock is the driver's own: each wait moves it, so a loaded machine cannot end the job
    // before its polls (or keep it alive after).
    const clock = () => {
      let t = 0;
      return { now: () => t, sleep: async (ms: number) => void (t += ms) };
    };
    const { api, server: s } = await jobServer([running]);
    const outcome = await runJob(api, 'job-1', { ...fast, ...clock(), timeoutMs: 60 });
    expect(outcome).toEqual({ outcome: 'timed_out', afterMs: 60 });
    expect(s.requests.length).toBeGreaterThan(10);
    await server!.close();
    const ready = await jobServer([running, { LastStatus: 'AccountsReady' }]);
    expect(await runJob(ready.api, 'job-1', { ...fast, ...clock(), timeoutMs: 60 })).toEqual({
      outcome: 'connected',
      userInstitutionId: 'ui-1',
    });
  });

  it('a job not found on its first polls is given a grace; later it is an error', async () => {
    let n = 0;
    server = await startTestServer((req): Reply => {
      if (!req.path.endsWith('/GetJobInformationByID')) return { status: 400 };
      n++;
      return n <= 2
        ? { status: 404 }
        : { body: { JobID: 'job-1', SuccessFlag: true, UserInstitutionID: 'ui-1' } };
    });
    const api = noRetryClient(server.url);
    expect(await runJob(api, 'job-1', fast)).toEqual({ outcome: 'connected', userInstitutionId: 'ui-1' });
    await server.close();
    server = await startTestServer(() => ({ status: 404 }));
    const gone = noRetryClient(server.url);
    await expect(runJob(gone, 'job-1', fast)).rejects.toBeInstanceOf(SophtronNotFoundError);
  });

  it('stops when aborted', async () => {
    const { api } = await jobServer([running]);
    const controller = new AbortController();
    // The person stops it while the job still runs (the third poll): no poll follows.
    let polls = 0;
    const onProgress = ({ polls: n }: { polls: number }) => {
      polls = n;
      if (n === 3) controller.abort(new Error('stopped by the user'));
    };
    await expect(runJob(api, 'job-1', { ...fast, signal: controller.signal, onProgress })).rejects.toThrow(
      'stopped by the user',
    );
    expect(polls).toBe(3);
  });

  it('polls on a schedule that grows from the first interval to the cap, and restarts after an answer', async () => {
    const { api } = await jobServer([running, running, running, running, question, running, running, done]);
    const waits: number[] = [];
    await runJob(api, 'job-1', {
      pollIntervalMs: 1000,
      maxPollIntervalMs: 2000,
      sleep: async (ms) => {
        waits.push(ms);
      },
      onChallenge: async () => ({ kind: 'security_questions', answers: ['blue'] }),
    });
    expect(waits).toEqual([1000, 1500, 2000, 2000, 2000, 1000, 1500, 2000]);
  });

  it('connectBank creates the connection and drives its job', async () => {
    const { api, server: s } = await jobServer([done]);
    const out = await connectBank(api, { institutionId: 'i', username: 'u', password: 'p' }, fast);
    expect(out).toEqual({ outcome: 'connected', userInstitutionId: 'ui-1', jobId: 'job-1' });
    expect(s.requests[0]!.path).toBe('/api/UserInstitution/CreateUserInstitution');
  });
});

describe('helpers', () => {
  it('job timing from settings', () => {
    expect(jobTiming({ sophtronJobTimeoutMs: 600_000, sophtronJobPollMs: 1000 })).toEqual({
      timeoutMs: 600_000,
      pollIntervalMs: 1000,
      maxPollIntervalMs: 8000,
    });
    expect(jobTiming({ sophtronJobTimeoutMs: 5000, sophtronJobPollMs: 10 }).maxPollIntervalMs).toBe(80);
  });

  it('describes every challenge', () => {
    expect(describeChallenge({ kind: 'token_read', code: '12' })).toBe(
      'The bank asks to approve the sign-in on your device',
    );
    expect(describeChallenge({ kind: 'security_questions', questions: ['a', 'b'] })).toBe(
      'The bank asks for security answers',
    );
  });
});

/**
 * The terminal side of Sophtron jobs: asks a person each MFA challenge, shows a progress line
 * while the bank works, and formats Sophtron values for tables. Shared by connect, connections
 * refresh/update and any later command that drives a job.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { describeChallenge, NoAnswerError } from '../sophtron/connect.js';
import { SophtronError } from '../sophtron/errors.js';
import type { Challenge, ChallengeAnswer, JobOutcome, JobProgress } from '../domain/types.js';
import { CliError } from './errors.js';
import { InputEndedError, type Prompter } from './prompter.js';

type Out = Writable & { isTTY?: boolean };

const CHALLENGE_KINDS = new Set<string>([
  'security_questions',
  'token_method',
  'token_input',
  'token_read',
  'captcha',
  'account_select',
]);

/** Where captcha images go: the data folder when given, else the OS temp folder. */
export function captchaFile(image: Uint8Array, dir: string | null, jobTag: string, n: number): string {
  const folder = dir ?? tmpdir();
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `sophtron-captcha-${jobTag.replace(/[^A-Za-z0-9-]/g, '').slice(0, 12)}-${n}.png`);
  writeFileSync(file, image);
  return file;
}

export interface TerminalJobUi {
  onChallenge(challenge: Challenge): Promise<ChallengeAnswer>;
  onProgress(progress: JobProgress): void;
  /** Ends the progress line (call before printing the result). */
  done(): void;
}

/**
 * Asks each challenge in the terminal. A captcha is written to a PNG file whose path is printed;
 * a device approval prints the code to check and waits for Enter.
 */
export function terminalJobUi(
  prompter: Prompter,
  out: Out,
  options: { captchaDir?: string | null } = {},
): TerminalJobUi {
  let captchas = 0;
  let lastLine = '';
  let lineOpen = false;
  const started = Date.now();
  const endLine = () => {
    if (lineOpen && out.isTTY) out.write('\n');
    lineOpen = false;
  };

  const ask = async (challenge: Challenge): Promise<ChallengeAnswer> => {
    switch (challenge.kind) {
      case 'captcha': {
        const file = captchaFile(challenge.image, options.captchaDir ?? null, String(started), ++captchas);
        out.write(`The captcha image is in ${file}\n`);
        return { kind: 'captcha', text: await prompter.input('Characters in the captcha image:') };
      }
      case 'security_questions': {
        const answers: string[] = [];
        for (const q of challenge.questions) answers.push(await prompter.input(q));
        return { kind: 'security_questions', answers };
      }
      case 'token_method':
        return {
          kind: 'token_method',
          method: await prompter.select(
            'Where should the bank send the code?',
            challenge.methods.map((m) => ({ name: m, value: m })),
          ),
        };
      case 'token_input':
        return { kind: 'token_input', code: await prompter.input(`${challenge.label} the bank sent you:`) };
      case 'token_read':
        out.write(`The code to check on your device: ${challenge.code}\n`);
        await prompter.input('approve on your device, then press Enter', { required: false });
        return { kind: 'token_read', approved: true };
      case 'account_select':
        return {
          kind: 'account_select',
          accountId: await prompter.select(
            'Which account?',
            challenge.accounts.map((a) => ({ name: a.name, value: a.accountId })),
          ),
        };
    }
  };

  return {
    async onChallenge(challenge) {
      endLine();
      out.write(`${describeChallenge(challenge)}.\n`);
      try {
        return await ask(challenge);
      } catch (err) {
        // Piped answers ran out: the connection waits for a person (needs attention), not an error.
        if (err instanceof InputEndedError) throw new NoAnswerError(err.message);
        throw err;
      }
    },
    onProgress(p) {
      // A challenge is announced by onChallenge itself.
      if (p.status === 'Waiting' && p.step !== null && CHALLENGE_KINDS.has(p.step)) return;
      const what = [p.status, p.step].filter(Boolean).join(' · ') || 'working';
      const line = `waiting for the bank: ${what} (${Math.round(p.elapsedMs / 1000)} s, ${p.polls} checks)`;
      if (out.isTTY) {
        out.write(`\r\u001b[2K${line}`);
        lineOpen = true;
      } else if (what !== lastLine) {
        // Not a terminal: one line per change, not one per poll.
        out.write(`${line}\n`);
      }
      lastLine = what;
    },
    done: endLine,
  };
}

/** One line for a job that did not connect, as a CliError (non-zero exit). */
export function outcomeError(outcome: JobOutcome, connectionId?: string): CliError | null {
  switch (outcome.outcome) {
    case 'connected':
      return null;
    case 'failed':
      return new CliError(`the bank connection failed: ${outcome.message}`);
    case 'timed_out':
      return new CliError(
        `the bank did not finish within ${Math.round(outcome.afterMs / 1000)} s (SOPHTRON_JOB_TIMEOUT_MS); try again later`,
      );
    case 'needs_attention':
      return new CliError(
        `the bank needs your attention: ${outcome.reason}` +
          (connectionId ? `; answer it with \`sophtron-sync connections refresh ${connectionId}\`` : ''),
      );
  }
}

/** Sophtron errors become one clear CLI line; anything else passes through. */
export function sophtronCliError(err: unknown): unknown {
  if (err instanceof SophtronError) return new CliError(err.message);
  return err;
}

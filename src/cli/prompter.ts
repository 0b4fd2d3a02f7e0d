/**
 * Questions in the terminal. On a TTY, @inquirer/prompts (hidden password entry, arrow-key
 * choices). When stdin is a pipe, inquirer loses lines that arrive before each prompt starts, so a
 * single line reader answers every question in order instead (scripts and tests pipe answers in).
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { input as inqInput, password as inqPassword, select as inqSelect } from '@inquirer/prompts';
import { CliError } from './errors.js';

/** The piped input ended before a question was answered (nobody is there to answer). */
export class InputEndedError extends CliError {
  override name = 'InputEndedError';
}

export interface Choice<T> {
  name: string;
  value: T;
}

export interface Prompter {
  input(message: string, options?: { default?: string; required?: boolean }): Promise<string>;
  password(message: string): Promise<string>;
  select<T>(message: string, choices: Choice<T>[]): Promise<T>;
  close(): void;
}

export interface PrompterStreams {
  input?: Readable & { isTTY?: boolean };
  /** Where questions are written; stderr keeps stdout clean for results (--json). */
  output?: Writable & { isTTY?: boolean };
}

export function createPrompter(streams: PrompterStreams = {}): Prompter {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stderr;
  return input.isTTY ? ttyPrompter(input, output) : linePrompter(input, output);
}

function isExitPrompt(err: unknown): boolean {
  return err instanceof Error && err.name === 'ExitPromptError';
}

function ttyPrompter(input: Readable, output: Writable): Prompter {
  const context = { input, output, clearPromptOnDone: false };
  const cancelled = (err: unknown): never => {
    if (isExitPrompt(err)) throw new CliError('cancelled', 130);
    throw err;
  };
  return {
    async input(message, options = {}) {
      const required = options.required ?? true;
      return inqInput({ message, default: options.default, required }, context).then(
        (v) => v.trim(),
        cancelled,
      );
    },
    async password(message) {
      return inqPassword({ message, mask: '*', validate: (v) => v.length > 0 || 'required' }, context).catch(
        cancelled,
      );
    },
    async select<T>(message: string, choices: Choice<T>[]) {
      return inqSelect<T>({ message, choices, pageSize: 15 }, context).catch(cancelled);
    },
    close() {},
  };
}

/** One readline over the whole input: lines that arrive early wait in a queue for their question. */
function linePrompter(input: Readable, output: Writable): Prompter {
  let rl: Interface | null = null;
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let ended = false;

  const start = () => {
    if (rl) return;
    rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
    rl.on('line', (line) => {
      const w = waiting.shift();
      if (w) w.resolve(line);
      else lines.push(line);
    });
    rl.on('close', () => {
      ended = true;
      for (const w of waiting.splice(0)) {
        output.write('\n');
        w.reject(new InputEndedError('the input ended before every question was answered'));
      }
    });
  };

  const nextLine = (message: string): Promise<string> => {
    start();
    output.write(`? ${message} `);
    const queued = lines.shift();
    if (queued !== undefined) {
      output.write('\n');
      return Promise.resolve(queued);
    }
    if (ended) {
      output.write('\n');
      return Promise.reject(new InputEndedError(`the input ended before answering: ${message}`));
    }
    return new Promise((resolve, reject) => {
      waiting.push({
        resolve: (line) => {
          output.write('\n');
          resolve(line);
        },
        reject,
      });
    });
  };

  const ask = async (message: string, required: boolean, fallback?: string): Promise<string> => {
    for (let tries = 0; tries < 5; tries++) {
      const answer = (await nextLine(message)).trim();
      if (answer !== '') return answer;
      if (fallback !== undefined) return fallback;
      if (!required) return '';
      output.write('  (an answer is required)\n');
    }
    throw new CliError(`no answer to: ${message}`);
  };

  return {
    input(message, options = {}) {
      const text = options.default ? `${message} (${options.default})` : message;
      return ask(text, options.required ?? true, options.default);
    },
    async password(message) {
      // A piped password is not echoed by anyone; the line is taken as is (spaces kept).
      for (let tries = 0; tries < 5; tries++) {
        const answer = await nextLine(message);
        if (answer !== '') return answer;
        output.write('  (an answer is required)\n');
      }
      throw new CliError(`no answer to: ${message}`);
    },
    async select<T>(message: string, choices: Choice<T>[]) {
      if (choices.length === 0) throw new CliError(`nothing to choose for: ${message}`);
      output.write(`? ${message}\n`);
      choices.forEach((c, i) => output.write(`  ${i + 1}) ${c.name}\n`));
      for (let tries = 0; tries < 5; tries++) {
        const answer = (await nextLine(`number 1-${choices.length}:`)).trim();
        const n = Number(answer);
        if (Number.isInteger(n) && n >= 1 && n <= choices.length) return choices[n - 1]!.value;
        const byName = choices.find((c) => c.name.toLowerCase() === answer.toLowerCase());
        if (byName) return byName.value;
        output.write(`  (type a number from 1 to ${choices.length})\n`);
      }
      throw new CliError(`no valid choice for: ${message}`);
    },
    close() {
      rl?.close();
    },
  };
}

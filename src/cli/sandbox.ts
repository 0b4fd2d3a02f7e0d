/** `sophtron-sync sandbox`: run the local Sophtron sandbox until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { FAULT_KINDS, parseFaultList, startSandbox, type FaultSpec } from '../sandbox/index.js';
import { testBankLines, triggerLines } from '../sandbox/guide.js';
import { isValidAccessKey } from '../sophtron/signing.js';
import { CliError } from './errors.js';
import { printJson } from './output.js';

export interface Flags {
  port?: string;
  host?: string;
  seed?: string;
  pollsPerStep?: string;
  faults?: string;
  userId?: string;
  accessKey?: string;
  strictAuth?: boolean;
  isoCurrency?: boolean;
  control?: boolean;
  json?: boolean;
}

function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${name}: "${value}" must be a whole number from ${min} to ${max}`, 2);
  return n;
}

/** Checks the flags; a bad one is a CliError naming it (exit code 2). */
export function parseSandboxFlags(flags: Flags): {
  port?: number;
  seed?: number;
  pollsPerStep?: number;
  faults?: FaultSpec;
  user?: { userId: string; accessKey: string };
} {
  const port = intFlag('--port', flags.port, 0, 65535);
  const seed = intFlag('--seed', flags.seed, 0, 2 ** 31 - 1);
  const pollsPerStep = intFlag('--polls-per-step', flags.pollsPerStep, 1, 10_000);
  let faults: FaultSpec | undefined;
  if (flags.faults !== undefined) {
    try {
      faults = parseFaultList(flags.faults);
    } catch (err) {
      throw new CliError(`--faults: ${err instanceof Error ? err.message : String(err)}`, 2);
    }
  }
  if ((flags.userId === undefined) !== (flags.accessKey === undefined))
    throw new CliError('--user-id and --access-key go together', 2);
  if (flags.accessKey !== undefined && !isValidAccessKey(flags.accessKey))
    throw new CliError('--access-key: must be base64 text', 2);
  if (flags.userId !== undefined && !flags.userId.trim())
    throw new CliError('--user-id: must not be empty', 2);
  const user =
    flags.userId !== undefined && flags.accessKey !== undefined
      ? { userId: flags.userId.trim(), accessKey: flags.accessKey.trim() }
      : undefined;
  return { port, seed, pollsPerStep, faults, user };
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description(
      'Run a local Sophtron sandbox (test banks, MFA, deterministic data, faults) to try everything offline.',
    )
    .option('--port <n>', 'port (0 = any free port; default SANDBOX_PORT)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the generated data (default SANDBOX_SEED)')
    .option('--polls-per-step <n>', 'job polls per MFA/job step (default SANDBOX_POLLS_PER_STEP)')
    .option(
      '--faults <list>',
      `random faults by rate, e.g. 429=0.2,500=0.1,truncate=0.05 (${FAULT_KINDS.join(', ')})`,
    )
    .option('--user-id <id>', 'developer User ID to accept (with --access-key)')
    .option('--access-key <key>', 'developer Access Key (base64) to accept (with --user-id)')
    .option('--strict-auth', "accept only Sophtron's own signing recipe")
    .option('--iso-currency', 'send USD/CAD/MXN instead of "$"')
    .option('--control', 'serve the control API under /__sandbox (clock, faults, request log, truth)')
    .option('--json', 'print {"baseUrl","userId","accessKey"} as the first line of output')
    .action(async (flags: Flags) => {
      const { port, seed, pollsPerStep, faults, user: givenUser } = parseSandboxFlags(flags);
      const config = loadConfig();
      const sandbox = await startSandbox({
        port: port ?? config.sandboxPort,
        host: flags.host,
        seed: seed ?? config.sandboxSeed,
        pollsPerStep: pollsPerStep ?? config.sandboxPollsPerStep,
        jobStepMs: config.sandboxJobStepMs,
        faults,
        users: givenUser ? [givenUser] : undefined,
        strictAuth: flags.strictAuth ?? false,
        isoCurrency: flags.isoCurrency ?? config.sandboxIsoCurrency,
        controlApi: flags.control ?? false,
      });
      const user = sandbox.users[0]!;
      if (flags.json) printJson({ baseUrl: sandbox.baseUrl, userId: user.userId, accessKey: user.accessKey });
      // In --json mode stdout carries only the JSON line; the guide goes to stderr.
      const out = (line = '') => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
      out(`Sophtron sandbox running at ${sandbox.baseUrl}`);
      out(
        sandbox.controlUrl
          ? `Control API: ${sandbox.controlUrl} (clock, faults, request log, truth)`
          : 'Control API: off (start with --control)',
      );
      out();
      out(`User ID:    ${user.userId}`);
      out(`Access Key: ${user.accessKey}`);
      out();
      out('Point Sophtron Sync (or any Sophtron client) at it:');
      out(
        `  SOPHTRON_BASE_URL=${sandbox.baseUrl} SOPHTRON_USER_ID=${user.userId} SOPHTRON_ACCESS_KEY=${user.accessKey}`,
      );
      out();
      for (const line of testBankLines()) out(line);
      out();
      for (const line of triggerLines()) out(line);
      if (faults) out(`\nRandom faults: ${flags.faults}`);
      out('\nPress Ctrl+C to stop.');

      await new Promise<void>((resolve) => {
        const stop = () => {
          sandbox.close().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

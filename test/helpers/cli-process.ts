/**
 * `sophtron-sync` as a process of its own in tests: the compiled CLI (dist/, built once per run by
 * test/helpers/build-setup.ts), started from the repository's root with only the environment given
 * (so nothing of the developer's leaks in). Light to import: the CLI's modules load in the child only.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CliEnv = Record<string, string | undefined>;

/** The repository's root: the working directory of every CLI process a test starts. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Node's arguments for `sophtron-sync <args>`: `spawn(process.execPath, cliArgs([...]), …)`. */
export const cliArgs = (args: string[]): string[] => [
  fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)),
  ...args,
];

/** A long-running child (a worker, a scheduler) the test reads and ends itself; PATH and HOME pass through. */
export const spawnCli = (args: string[], env: CliEnv): ChildProcessWithoutNullStreams =>
  spawn(process.execPath, cliArgs(args), {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });

/** A child process; `input` is typed on its stdin (then closed). */
export function runCli(args: string[], env: CliEnv, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, cliArgs(args), { env, cwd: REPO_ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/**
 * Running `sophtron-sync` in tests: as a child process from the sources (cwd = repo root), with only
 * the environment given (so nothing of the developer's leaks in), or the same main() in this
 * process for cases that need no process of their own (each start costs a second or more).
 */
import { execFile } from 'node:child_process';
import { vi } from 'vitest';
import { main } from '../../src/cli/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CliEnv = Record<string, string | undefined>;

/** A child process; `input` is typed on its stdin (then closed). */
export function runCli(args: string[], env: CliEnv, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env, cwd: process.cwd() },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/** main() in this process, its output captured, `env` stubbed for the call. */
export async function runCliInProcess(args: string[], env: CliEnv): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    const code = await main(['node', 'sophtron-sync', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  }
}

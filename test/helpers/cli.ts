/**
 * Running `sophtron-sync` in tests: as a child process running the compiled CLI
 * (test/helpers/cli-process.ts), or the same main() in this process for cases that need no process
 * of their own (each start still costs a few tenths of a second of CPU).
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { settings } from '../../src/config.js';
import type { CliEnv, CliResult } from './cli-process.js';

export { cliArgs, REPO_ROOT, runCli, type CliEnv, type CliResult } from './cli-process.js';

/**
 * main() in this process, its output captured, `env` stubbed for the call; every other setting's
 * variable is unset, as in a child process given only `env`.
 */
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
  for (const { env: name } of Object.values(settings)) if (!(name in env)) vi.stubEnv(name, undefined);
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

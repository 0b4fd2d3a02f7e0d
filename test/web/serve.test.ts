/**
 * `sophtron-sync serve` as a child process: prints the URL, the sandbox notice and the setup code;
 * logs readable lines (JSON only with LOG_FORMAT=json); stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArgs, REPO_ROOT } from '../helpers/cli-process.js';
import { until } from '../helpers/until.js';

/** Starts serve, waits for its setup code, runs `check`, stops it; returns everything it printed. */
async function withServe(extra: Record<string, string>, check: (out: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'ss-serve-'));
  const env = {
    ...process.env,
    DATA_DIR: dir,
    LOG_LEVEL: 'info',
    SOPHTRON_USER_ID: '',
    SOPHTRON_ACCESS_KEY: '',
    ...extra,
  };
  const child = spawn(process.execPath, cliArgs(['serve', '--port', '0']), {
    env,
    cwd: REPO_ROOT,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until('the setup code', () => /setup code \S+\n/.test(out) || child.exitCode !== null);
    await check(out);
  } finally {
    // A serve that stopped by itself has already exited: its code is the answer.
    const exited =
      child.exitCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited, out).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

describe('sophtron-sync serve', () => {
  it('starts with the sandbox, guards setup with the printed code, and shuts down cleanly', async () => {
    const out = await withServe({}, async (out) => {
      expect(out).toContain('Sandbox mode: no Sophtron credentials are set');
      const url = /running at (http:\/\/\S+)/.exec(out)![1]!;
      const code = /setup code (\S+)/.exec(out)![1]!;
      expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      const setup = await fetch(`${url.replace('localhost', '127.0.0.1')}/setup`);
      expect(setup.status).toBe(200);
      expect(await setup.text()).toContain('Setup code');
    });
    expect(out).toContain('SIGTERM received');
    // Log records are readable lines among the start-up lines, not raw JSON.
    expect(out).toMatch(/^info: scheduler started/m);
    expect(out).not.toMatch(/^\{/m);
  });

  it('logs JSON lines with LOG_FORMAT=json', async () => {
    const out = await withServe({ LOG_FORMAT: 'json' }, async () => undefined);
    expect(out).toMatch(/^\{"level":30,.*"msg":"scheduler started"/m);
    expect(out).not.toMatch(/^info: /m);
  });
});

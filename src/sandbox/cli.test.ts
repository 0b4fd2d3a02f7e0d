/** `sophtron-sync sandbox` as a child process: the JSON line comes first and its credentials work. */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli/errors.js';
import { parseSandboxFlags } from '../cli/sandbox.js';
import { cliArgs, REPO_ROOT as cwd } from '../../test/helpers/cli-process.js';
import { until } from '../../test/helpers/until.js';
import { call } from './test-helpers.js';

describe('sophtron-sync sandbox', () => {
  it('--json prints {baseUrl,userId,accessKey} first, answers a signed health check, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, cliArgs(['sandbox', '--port', '0', '--json', '--seed', '7']), {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout });
        rl.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const info = JSON.parse(firstLine) as { baseUrl: string; userId: string; accessKey: string };
      expect(Object.keys(info)).toEqual(['baseUrl', 'userId', 'accessKey']);
      expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      const r = await call(info.baseUrl, info, 'GET', 'Institution/HealthCheckAuth');
      expect(r.status).toBe(200);
      const bad = await call(
        info.baseUrl,
        { ...info, accessKey: 'b3RoZXI=' },
        'GET',
        'Institution/HealthCheckAuth',
      );
      expect(bad.status).toBe(401);
      // The guide (credentials, triggers) is on stderr in --json mode.
      await until('the end of the guide on stderr', () => stderr.includes('Press Ctrl+C to stop.'));
      expect(stderr).toContain('SOPHTRON_BASE_URL=');
      expect(stderr).toContain('asdfg12X');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('a bad flag exits non-zero with one line naming the flag', () => {
    const r = spawnSync(process.execPath, cliArgs(['sandbox', '--faults', '429=2']), {
      cwd,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain('--faults');
  });

  it.each([
    [{ faults: 'teapot=0.1' }, '--faults'],
    [{ port: 'x' }, '--port'],
    [{ port: '70000' }, '--port'],
    [{ pollsPerStep: '0' }, '--polls-per-step'],
    [{ seed: '-1' }, '--seed'],
    [{ userId: 'u' }, '--user-id'],
    [{ userId: 'u', accessKey: 'not base64!' }, '--access-key'],
  ])('flags %j are refused naming the flag', (flags, name) => {
    expect(() => parseSandboxFlags(flags)).toThrow(CliError);
    expect(() => parseSandboxFlags(flags)).toThrow(name);
  });

  it('good flags parse', () => {
    expect(
      parseSandboxFlags({
        port: '0',
        seed: '3',
        pollsPerStep: '1',
        faults: '500=0.1',
        userId: 'u',
        accessKey: 'a2V5',
      }),
    ).toEqual({
      port: 0,
      seed: 3,
      pollsPerStep: 1,
      faults: { '500': 0.1 },
      user: { userId: 'u', accessKey: 'a2V5' },
    });
  });
});

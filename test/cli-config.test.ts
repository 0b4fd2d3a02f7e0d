/**
 * `config show` and `config validate` on values and files a person gets wrong: each says what is
 * wrong and where, with the program's exit codes (2 for settings, the data importer's for files).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ss-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', TIME_ZONE: 'UTC' };
const file = (name: string, content: object) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ version: 3, flow: 'sophtron', ...content }));
  return path;
};

describe('settings', () => {
  it('refuses an Access Key that is not base64 like any bad setting: exit 2, naming the variable', async () => {
    const r = await runCliInProcess(['connections'], {
      ...env,
      SOPHTRON_USER_ID: 'u-1',
      SOPHTRON_ACCESS_KEY: 'not base64 at all!',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SOPHTRON_ACCESS_KEY: must be the base64 text');
    expect(r.stderr).not.toContain('not base64 at all!');
  });

  it('config show lists every setting and says why a value is unusable', async () => {
    const r = await runCliInProcess(['config', 'show'], {
      ...env,
      PORT: 'eighty',
      SOPHTRON_ACCESS_KEY: 'not base64 at all!',
    });
    expect(r.code).toBe(2);
    const port = r.stdout.split('\n').find((l) => l.startsWith('PORT'));
    expect(port).toMatch(/"eighty".*unusable: .*number/i);
    const key = r.stdout.split('\n').find((l) => l.startsWith('SOPHTRON_ACCESS_KEY'));
    expect(key).toMatch(/unusable: must be the base64 text/);
    expect(r.stdout).not.toContain('not base64 at all!');
    expect(r.stdout).toMatch(/^TIME_ZONE\s+UTC/m);
    const json = await runCliInProcess(['config', 'show', '--json'], { ...env, PORT: 'eighty' });
    const rows = JSON.parse(json.stdout) as { env: string; problem?: string }[];
    expect(rows.find((x) => x.env === 'PORT')?.problem).toMatch(/number/i);
    expect(rows.find((x) => x.env === 'HOST')?.problem).toBeUndefined();
  });
});

describe('config validate', () => {
  it('flags a date range that cannot be: a first day in the future, or after the last day', async () => {
    const future = await runCliInProcess(
      [
        'config',
        'validate',
        file('future.json', {
          date_range: 'range',
          date_not_before: '3000-01-01',
          date_not_after: '3000-12-31',
        }),
      ],
      env,
    );
    expect(future.code).toBe(69);
    expect(future.stderr).toMatch(/date_not_before: 3000-01-01 is in the future/);
    const backwards = await runCliInProcess(
      [
        'config',
        'validate',
        file('backwards.json', {
          date_range: 'range',
          date_not_before: '3000-01-01',
          date_not_after: '1900-01-01',
        }),
      ],
      env,
    );
    expect(backwards.code).toBe(69);
    expect(backwards.stderr).toMatch(/date_not_before: 3000-01-01 is after date_not_after \(1900-01-01\)/);
    const noSuchDay = await runCliInProcess(
      [
        'config',
        'validate',
        file('day.json', {
          date_range: 'range',
          date_not_before: '2026-02-30',
          date_not_after: '2026-03-31',
        }),
      ],
      env,
    );
    expect(noSuchDay.code).toBe(69);
    expect(noSuchDay.stderr).toMatch(/date_not_before: must be a date YYYY-MM-DD that exists/);
    const fine = await runCliInProcess(
      [
        'config',
        'validate',
        file('fine.json', {
          date_range: 'range',
          date_not_before: '2025-01-01',
          date_not_after: '2025-12-31',
        }),
      ],
      env,
    );
    expect(fine.code, fine.stderr).toBe(0);
  });

  it('says a directory is a directory, and a missing file is missing', async () => {
    const folder = join(dir, 'a-folder.json');
    mkdirSync(folder);
    const r = await runCliInProcess(['config', 'validate', folder], env);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`${folder}: is a directory, not a file`);
    const missing = await runCliInProcess(['config', 'validate', join(dir, 'nope.json')], env);
    expect(missing.code).toBe(65);
    expect(missing.stderr).toContain('no such file');
  });
});

/**
 * The project promises Node.js 20.18 and 24. A dependency (direct or not) whose `engines` excludes
 * either breaks installs for some users, and npm only warns: this test makes it a failure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const SUPPORTED = ['20.18.0', '24.0.0'];

function* installedPackages(dir: string): Generator<{ name: string; version: string; node?: unknown }> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (entry.startsWith('@')) {
      yield* installedPackages(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string;
      version: string;
      engines?: { node?: unknown };
    };
    yield { name: pkg.name, version: pkg.version, node: pkg.engines?.node };
    yield* installedPackages(join(path, 'node_modules'));
  }
}

describe('dependencies', () => {
  it(`all support Node.js ${SUPPORTED.join(' and ')}`, () => {
    const root = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    for (const v of SUPPORTED) expect(semver.satisfies(v, root.engines.node)).toBe(true);
    const excluded: string[] = [];
    let seen = 0;
    for (const pkg of installedPackages('node_modules')) {
      seen++;
      if (typeof pkg.node !== 'string') continue;
      for (const v of SUPPORTED) {
        if (!semver.satisfies(v, pkg.node))
          excluded.push(`${pkg.name}@${pkg.version} (engines.node ${pkg.node}) excludes ${v}`);
      }
    }
    expect(seen).toBeGreaterThan(50);
    expect(excluded).toEqual([]);
  });
});

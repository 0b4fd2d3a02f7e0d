/**
 * The project promises Node.js 20.18 and 24. A dependency (direct or not) whose `engines` excludes
 * either breaks installs for some users, and npm only warns: this test makes it a failure.
 *
 * It reads package-lock.json (what `npm ci` installs, the same whichever Node runs it) rather than
 * node_modules, and leaves out optional packages: npm skips an optional one whose engines, os or
 * cpu do not fit (rollup's @napi-rs/lzma-linux-x64-gnu is installed on Node 24.12+ only), so it
 * cannot break an install.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const SUPPORTED = ['20.18.0', '24.0.0'];

interface LockedPackage {
  version?: string;
  optional?: boolean;
  engines?: { node?: unknown } | string[];
}

/** Packages a plain install needs, with the engines they declare. */
function neededPackages(lock: { packages: Record<string, LockedPackage> }) {
  return Object.entries(lock.packages)
    .filter(([path, pkg]) => path !== '' && !pkg.optional)
    .map(([path, pkg]) => ({
      name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: pkg.version ?? '?',
      node: Array.isArray(pkg.engines) ? undefined : pkg.engines?.node,
    }));
}

describe('dependencies', () => {
  it(`all support Node.js ${SUPPORTED.join(' and ')}`, () => {
    const root = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    for (const v of SUPPORTED) expect(semver.satisfies(v, root.engines.node)).toBe(true);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, LockedPackage>;
    };
    const needed = neededPackages(lock);
    const excluded: string[] = [];
    for (const pkg of needed) {
      if (typeof pkg.node !== 'string') continue;
      for (const v of SUPPORTED) {
        if (!semver.satisfies(v, pkg.node))
          excluded.push(`${pkg.name}@${pkg.version} (engines.node ${pkg.node}) excludes ${v}`);
      }
    }
    expect(needed.length).toBeGreaterThan(50);
    expect(excluded).toEqual([]);
  });

  it('leaves out only optional packages, which npm skips when they do not fit', () => {
    const names = neededPackages({
      packages: {
        '': {},
        'node_modules/a': { version: '1.0.0', engines: { node: '>=18' } },
        'node_modules/a/node_modules/@s/b': { version: '2.0.0', engines: { node: '>=26' } },
        'node_modules/@napi-rs/lzma-linux-x64-gnu': {
          version: '1.5.1',
          optional: true,
          engines: { node: '>=25' },
        },
      },
    }).map((p) => `${p.name}@${p.version} ${String(p.node)}`);
    expect(names).toEqual(['a@1.0.0 >=18', '@s/b@2.0.0 >=26']);
  });
});

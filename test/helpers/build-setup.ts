/**
 * Global setup of every test run: compiles src/ into dist/ once, so the tests that start
 * `sophtron-sync` as a process of its own (test/helpers/cli.ts) start the compiled CLI instead of
 * compiling the TypeScript sources at each start (about three times the CPU, on every spawn).
 * `tsc -b` is incremental: when nothing changed since the last build it takes under a second.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every project of the run inherits this setup; the build runs once per vitest process (the
 * setup's module may be loaded once per project, so the promise lives on globalThis).
 */
const once = Symbol.for('sophtron-sync.test.build');

function build(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return promisify(execFile)(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root }).then(
    () => undefined,
    (err: { stdout?: string; stderr?: string; message: string }) => {
      const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
      throw new Error(
        `the tests start the compiled CLI, and building it (npm run build: tsc -b tsconfig.build.json) failed:\n${output}`,
      );
    },
  );
}

export default function setup(project: TestProject): Promise<void> {
  const g = globalThis as { [once]?: Promise<void> };
  if (!g[once]) {
    g[once] = build();
    // Watch mode (npm run test:watch): sources may have changed before each rerun.
    project.onTestsRerun(build);
  }
  return g[once];
}

import { availableParallelism } from 'node:os';
import { defineConfig, type TestProjectConfiguration, type ViteUserConfig } from 'vitest/config';
import { findTestPostgres } from './test/helpers/find-postgres.js';

const ALL = ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'test/**/*.test.tsx'];
/** Tests of PostgreSQL itself (connection checks, value types): the postgres project only. */
const POSTGRES_ONLY = ['src/**/*.pg.test.ts', 'test/**/*.pg.test.ts'];

/**
 * The suites that run on both databases (one suite each, run twice): everything that reads or
 * writes the ledger through the store. Their tests take a database from test/helpers/databases.ts.
 */
const ON_BOTH_DATABASES = [
  'src/store/store.test.ts',
  'src/store/scoping.test.ts',
  'src/store/simplefin.test.ts',
  'src/sync/apply.test.ts',
  'src/sync/run.test.ts',
  'src/destinations/firefly/deliver.test.ts',
  'src/store/firefly-delivery.test.ts',
  'src/destinations/files/files.test.ts',
  'src/scheduler/scheduler.test.ts',
  'src/web/auth/throttle.test.ts',
  'src/web/import/drafts.test.ts',
  'test/simplefin-failures.test.ts',
  'src/web/connect/sessions.test.ts',
];

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const postgresUrl = await findTestPostgres();
  const projects: TestProjectConfiguration[] = [
    {
      extends: true,
      test: { name: 'sqlite', include: ALL, exclude: POSTGRES_ONLY, provide: { testDatabaseKind: 'sqlite' } },
    },
  ];
  if (postgresUrl)
    projects.push({
      extends: true,
      test: {
        name: 'postgres',
        include: [...ON_BOTH_DATABASES, ...POSTGRES_ONLY],
        globalSetup: ['test/helpers/postgres-setup.ts'],
        provide: { testDatabaseKind: 'postgres', testDatabaseUrl: postgresUrl },
      },
    });
  const forks = availableParallelism() + 1;
  return {
    test: {
      // Builds dist/ first (incremental): the tests that start `sophtron-sync` run the compiled CLI.
      globalSetup: ['test/helpers/build-setup.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      // Forks, not threads: better-sqlite3 is a native module. Most test time is spent waiting
      // (servers, child processes, the browser), so one fork more than there are cores. A fork runs
      // file after file (isolate: false), loading the app's modules once instead of once per file,
      // which was a third of the suite's CPU; so no file may leave process-wide state behind.
      // minWorkers = maxWorkers: tinypool ends a fork above the minimum as soon as it idles, which
      // raced the next file handed to it ("Terminating worker thread" ended two runs early).
      pool: 'forks',
      isolate: false,
      maxWorkers: forks,
      minWorkers: forks,
      // The JSON report lets .ci/run print one plain "N passed, N failed" closing line.
      reporters: ['default', 'json'],
      outputFile: { json: 'test-output/vitest-report.json' },
      projects,
    },
    esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
  };
});

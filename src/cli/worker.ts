/**
 * `sophtron-sync worker [--concurrency N]` (PostgreSQL only): takes scheduled work from the job
 * queue (src/scheduler/queue.ts). Any number of workers on any number of machines share one
 * database; each family's work runs one at a time. With SQLite the scheduler runs inside `serve`.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { logLines } from './log-lines.js';
import { startSchedulerFor } from '../scheduler/wiring.js';
import { openStore, SecretKeyError } from '../store/index.js';
import { CliError } from './errors.js';
import { parseDatabaseUrl } from '../database-url.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'Take scheduled syncs, deliveries and notifications from the job queue (PostgreSQL; any number of workers).',
    )
    .option('--concurrency <n>', 'families worked on at once by this process', '1')
    .action(async (flags: { concurrency: string }) => {
      const config = loadConfig();
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new CliError(
          `--concurrency: a whole number from 1 to 64 (got ${JSON.stringify(flags.concurrency)})`,
          2,
        );
      if (parseDatabaseUrl(config.databaseUrl).kind !== 'postgres')
        throw new CliError(
          'worker needs PostgreSQL (DATABASE_URL=postgres://…): with SQLite, scheduled syncs run inside `sophtron-sync serve`',
          2,
        );
      // Readable lines unless a log collector asks for JSON (LOG_FORMAT=json).
      const logger =
        config.logFormat === 'json'
          ? createLogger(config.logLevel)
          : createLogger(config.logLevel, logLines(process.stdout, true));
      let store;
      try {
        store = await openStore(config);
      } catch (err) {
        if (err instanceof SecretKeyError) throw new CliError(err.message, 2);
        throw err;
      }
      const running = startSchedulerFor(store, config, {
        logger,
        work: { concurrency },
      });
      try {
        await running.ready;
      } catch (err) {
        await store.close();
        throw new CliError(
          `the job queue could not start: ${err instanceof Error ? err.message : String(err)}`,
          1,
        );
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          // a second signal while stopping is ignored: the running sync's bookkeeping finishes first
          if (stopping) return;
          stopping = true;
          process.stdout.write(`${signal} received: stopping…\n`);
          running
            .stop()
            .catch((err: unknown) => logger.error({ err }, 'scheduler stop failed'))
            .finally(() => {
              void store.close().finally(resolve);
            });
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.stdout.write(
          `worker taking jobs (${concurrency} at a time, ${store.filename}); Ctrl-C stops it\n`,
        );
      });
    });
}

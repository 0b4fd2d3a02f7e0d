/**
 * `sophtron-sync worker`: the scheduler without the web server, for installs that run them apart
 * (any number of workers and servers may share the database: a lock keeps each family's sync single).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { fallbackCredentials, startSchedulerFor } from '../scheduler/wiring.js';
import { openStore, SecretKeyError } from '../store/index.js';
import { CliError } from './errors.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run scheduled syncs, deliveries and notifications (without the web application).')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      let store;
      try {
        store = await openStore(config);
      } catch (err) {
        if (err instanceof SecretKeyError) throw new CliError(err.message, 2);
        throw err;
      }
      const running = startSchedulerFor(store, config, { logger, fallback: fallbackCredentials(config) });
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
        process.stdout.write(`scheduler running (data folder ${config.dataDir}); Ctrl-C stops it\n`);
      });
    });
}

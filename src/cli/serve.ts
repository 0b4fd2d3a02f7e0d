/** `sophtron-sync serve`: the web application (and the built-in sandbox without credentials). */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { logLines } from './log-lines.js';
import { SANDBOX_NOTICE } from '../web/layout.js';
import { startApp } from '../web/start.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the web application (http://localhost:8080 by default).')
    .option('--port <port>', 'port to listen on (PORT)')
    .option('--host <host>', 'address to listen on (HOST)')
    .action(async (opts: { port?: string; host?: string }) => {
      const config = loadConfig(process.env, { port: opts.port, host: opts.host });
      // Readable lines unless a log collector asks for JSON (LOG_FORMAT=json).
      const logger =
        config.logFormat === 'json'
          ? createLogger(config.logLevel)
          : createLogger(config.logLevel, logLines(process.stdout, true));
      const app = await startApp(config, { logger });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const url = config.publicUrl ?? app.url.replace('//127.0.0.1:', '//localhost:');
      out(`Sophtron Sync is running at ${url}`);
      out(`Data folder: ${config.dataDir}`);
      if (app.sandbox) out(SANDBOX_NOTICE);
      if (app.setupCode) out(`First run: open ${url}/setup and enter the setup code ${app.setupCode}`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          out(`${signal} received: stopping…`);
          // app.stop() also stops the scheduler startApp started
          app.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            resolve();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}

import type { Command } from 'commander';
import { inspectConfig } from '../config.js';
import { registerConfigValidate } from './import.js';
import { printJson, printTable } from './output.js';

export function register(program: Command): void {
  const config = program.command('config').description('Settings and import configuration files.');
  config
    .command('show')
    .description(
      'Every setting with its environment variable and current value (secrets masked); an unusable value says why (exit 2).',
    )
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const rows = inspectConfig();
      if (opts.json) printJson(rows);
      else printTable(rows, ['env', 'value', 'description']);
      if (rows.some((r) => r.problem !== undefined)) process.exitCode = 2;
    });
  registerConfigValidate(config);
}

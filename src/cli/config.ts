import type { Command } from 'commander';
import { describeConfig, loadConfig } from '../config.js';
import { registerConfigValidate } from './import.js';
import { printJson, printTable } from './output.js';

export function register(program: Command): void {
  const config = program.command('config').description('Settings and import configuration files.');
  config
    .command('show')
    .description('Every setting with its environment variable and current value (secrets masked).')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const rows = describeConfig(loadConfig());
      if (opts.json) printJson(rows);
      else printTable(rows, ['env', 'value', 'description']);
    });
  registerConfigValidate(config);
}

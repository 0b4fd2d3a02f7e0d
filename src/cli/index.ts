/**
 * The `sophtron-sync` command. Each command lives in its own file exporting `register(program)`;
 * add new ones to `commands` below. Errors end the process with one clear line and a non-zero code.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { CliError } from './errors.js';
import { register as registerConfig } from './config.js';
import { register as registerAccountsLink } from './accounts-link.js';
import { register as registerServe } from './serve.js';
import { register as registerInstitutions } from './institutions.js';
import { register as registerConnect } from './connect.js';
import { register as registerConnections } from './connections.js';
import { register as registerAccounts } from './accounts.js';
import { register as registerTransactions } from './transactions.js';
import { register as registerImport } from './import.js';
import { register as registerSync } from './sync.js';
import { register as registerUnlock } from './unlock.js';
import { register as registerLedger } from './ledger.js';
import { register as registerSchedule } from './schedule.js';
import { register as registerNotify } from './notify.js';
import { register as registerExport } from './export.js';
import { register as registerWorker } from './worker.js';
import { register as registerSandbox } from './sandbox.js';
import { register as registerSimplefin } from './simplefin.js';
import { register as registerDb } from './db.js';

const commands: ((program: Command) => void)[] = [
  registerConfig,
  registerServe,
  registerImport,
  registerInstitutions,
  registerConnect,
  registerConnections,
  registerAccounts,
  registerTransactions,
  registerSync,
  registerUnlock,
  registerLedger,
  registerSchedule,
  registerNotify,
  registerExport,
  registerWorker,
  registerSandbox,
  registerSimplefin,
  registerDb,
];

export function buildProgram(): Command {
  const program = new Command('sophtron-sync')
    .description('Sophtron bank data into an exact local ledger, delivered to Firefly III and files.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  // Last, outside the list: it adds link/unlink (and a ledger `list` if none) to the `accounts`
  // command whichever file registers it, or creates that command.
  registerAccountsLink(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/**
 * The `sophtron-sync` command. Each command lives in its own file exporting `register(program)`;
 * add new ones to `commands` below. Errors end the process with one clear line and a non-zero code.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { CliError } from './errors.js';

type Register = (program: Command) => unknown;

/**
 * Top-level command name -> the files that register it, loaded on demand: a command imports only
 * its own code (the web app, the store, the sync engine) rather than every command's, which halves
 * a short command's start-up. The order is the order of `--help`. `accounts` gets link/unlink (and a
 * ledger `list` if none) from accounts-link.ts after accounts.ts, whichever registers it first.
 */
const commands: Record<string, () => Promise<Register[]>> = {
  config: async () => [(await import('./config.js')).register],
  serve: async () => [(await import('./serve.js')).register],
  import: async () => [(await import('./import.js')).register],
  institutions: async () => [(await import('./institutions.js')).register],
  connect: async () => [(await import('./connect.js')).register],
  connections: async () => [(await import('./connections.js')).register],
  accounts: async () => [
    (await import('./accounts.js')).register,
    (await import('./accounts-link.js')).register,
  ],
  transactions: async () => [(await import('./transactions.js')).register],
  sync: async () => [(await import('./sync.js')).register],
  unlock: async () => [(await import('./unlock.js')).register],
  ledger: async () => [(await import('./ledger.js')).register],
  schedule: async () => [(await import('./schedule.js')).register],
  notify: async () => [(await import('./notify.js')).register],
  export: async () => [(await import('./export.js')).register],
  worker: async () => [(await import('./worker.js')).register],
  sandbox: async () => [(await import('./sandbox.js')).register],
  simplefin: async () => [(await import('./simplefin.js')).register],
  db: async () => [(await import('./db.js')).register],
};

/** The command named on the command line, or every command (for help, `--version`, a typo). */
async function registersFor(args: readonly string[]): Promise<Register[]> {
  const name = args.find((a) => !a.startsWith('-'));
  const wanted =
    name !== undefined && Object.hasOwn(commands, name) ? [commands[name]!] : Object.values(commands);
  return (await Promise.all(wanted.map((load) => load()))).flat();
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('sophtron-sync')
    .description('Sophtron bank data into an exact local ledger, delivered to Firefly III and files.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of await registersFor(argv.slice(2))) register(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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

/** `export --format csv|ofx|json [--account ID…] [--from] [--to] --out FILE`: the ledger as a file. */
import type { Command } from 'commander';
import {
  EXPORT_FORMATS,
  ExportFilterError,
  exportLedger,
  writeFileAtomic,
  type ExportFormat,
} from '../destinations/files/index.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';

const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function register(program: Command): void {
  program
    .command('export')
    .description('Write transactions to a CSV, OFX or JSON file (see the README for the CSV columns).')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '))
    .requiredOption('--out <file>', 'the file to write ("-" for standard output)')
    .option(
      '--account <id>',
      'only this ledger account, by id or name (repeat or comma-separate)',
      collect,
      [] as string[],
    )
    .option('--from <date>', 'first date, YYYY-MM-DD')
    .option('--to <date>', 'last date, YYYY-MM-DD')
    .option('--include-pending', 'OFX: include pending transactions (left out by default)')
    .action(
      async (opts: {
        format: string;
        out: string;
        account: string[];
        from?: string;
        to?: string;
        includePending?: boolean;
      }) => {
        if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
          throw new CliError(`--format: one of ${EXPORT_FORMATS.join(', ')}, not "${opts.format}"`);
        }
        await withCliContext({}, async ({ store, family }) => {
          const accounts = await store.listAccounts(family.id);
          const accountIds = opts.account.map((ref) => {
            const byId = accounts.find((a) => a.id === ref);
            if (byId) return byId.id;
            const byName = accounts.filter((a) => a.name.toLowerCase() === ref.toLowerCase());
            if (byName.length === 1) return byName[0]!.id;
            throw new CliError(
              byName.length > 1
                ? `--account: several accounts are named "${ref}"; give the id (sophtron-sync accounts ledger)`
                : `--account: no account "${ref}" in this family`,
            );
          });
          try {
            const result = await exportLedger(store, family.id, opts.format as ExportFormat, {
              accountIds,
              ...(opts.from ? { from: opts.from } : {}),
              ...(opts.to ? { to: opts.to } : {}),
              includePending: !!opts.includePending,
            });
            if (opts.out === '-') process.stdout.write(result.content);
            else {
              await writeFileAtomic(opts.out, result.content);
              process.stderr.write(
                `wrote ${plural(result.transactionCount, 'transaction')} of ${plural(result.accountCount, 'account')} to ${opts.out}\n`,
              );
            }
          } catch (err) {
            // the filter names its field (from, to); on the command line that is the flag
            if (err instanceof ExportFilterError)
              throw new CliError(err.message.replace(/^(from|to):/, '--$1:'));
            throw err;
          }
        });
      },
    );
}

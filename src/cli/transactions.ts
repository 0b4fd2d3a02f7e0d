/** `transactions --account ID --from DATE --to DATE`: what Sophtron reports for an account (read only). */
import type { Command } from 'commander';
import { addDays, calendarDateIn, isCalendarDate } from '../dates.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';
import { centsToDecimal } from '../money.js';
import { sophtronCliError } from './sophtron-terminal.js';

function dateFlag(flag: string, value: string): string {
  const v = value.trim();
  if (!isCalendarDate(v))
    throw new CliError(`${flag}: must be a date YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return v;
}

export function register(program: Command): void {
  program
    .command('transactions')
    .description(
      "An account's transactions as Sophtron reports them (read in windows of SOPHTRON_WINDOW_DAYS).",
    )
    .requiredOption('--account <id>', 'Sophtron AccountID')
    .option('--from <date>', 'first day, YYYY-MM-DD (default: 30 days ago)')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: today)')
    .option('--json', 'print JSON')
    .action(async (opts: { account: string; from?: string; to?: string; json?: boolean }) => {
      const toFlag = opts.to === undefined ? undefined : dateFlag('--to', opts.to);
      const fromFlag = opts.from === undefined ? undefined : dateFlag('--from', opts.from);
      if (fromFlag && toFlag && fromFlag > toFlag)
        throw new CliError(`--from (${fromFlag}) is after --to (${toFlag})`);
      await withCliContext({}, async ({ sophtron, family }) => {
        // Days are the family's: "today" is today in its time zone, not in UTC.
        const today = calendarDateIn(new Date(), family.time_zone);
        const tomorrow = addDays(today, 1);
        for (const [flag, value] of [
          ['--to', toFlag],
          ['--from', fromFlag],
        ] as const) {
          if (value !== undefined && value > tomorrow)
            throw new CliError(
              `${flag} ${value} is after tomorrow (${tomorrow}): Sophtron has nothing later`,
            );
        }
        const to = toFlag ?? today;
        const from = fromFlag ?? addDays(today, -30);
        if (from > to) throw new CliError(`--from (${from}) is after --to (${to})`);
        const rows = await sophtron.getTransactions(opts.account.trim(), from, to).catch((err: unknown) => {
          throw sophtronCliError(err);
        });
        if (opts.json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write(`no transactions from ${from} to ${to}\n`);
          return;
        }
        printTable(
          rows.map((t) => ({
            date: t.date,
            amount: centsToDecimal(t.amount),
            status: t.status,
            description: t.description ?? t.merchant ?? '',
            id: t.transactionId,
          })),
          ['date', 'amount', 'status', 'description', 'id'],
        );
      });
    });
}

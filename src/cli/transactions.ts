/** `transactions --account ID --from DATE --to DATE`: what Sophtron reports for an account (read only). */
import type { Command } from 'commander';
import { addDays, calendarDateIn, isCalendarDate } from '../dates.js';
import { withCliContext } from './context.js';
import { CliError, overBudgetCliError } from './errors.js';
import { checkManualCalls, OverBudgetError } from '../scheduler/manual-budget.js';
import { schedulerSettings } from '../scheduler/settings.js';
import { windowReads } from '../sync/estimate.js';
import { historyStart } from '../sync/window.js';
import { printJson, printTable } from './output.js';
import { centsToDecimal } from '../money.js';
import { sophtronCliError } from './sophtron-terminal.js';

function dateFlag(flag: string, value: string): string {
  const v = value.trim();
  if (!isCalendarDate(v))
    throw new CliError(`${flag}: must be a date YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return v;
}

interface TransactionsFlags {
  account: string;
  from?: string;
  to?: string;
  overBudget?: boolean;
  json?: boolean;
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
    .option(
      '--over-budget',
      "go on even when the read would spend more than the month's Sophtron budget has left",
    )
    .option('--json', 'print JSON')
    .action(async (opts: TransactionsFlags) => {
      const toFlag = opts.to === undefined ? undefined : dateFlag('--to', opts.to);
      const fromFlag = opts.from === undefined ? undefined : dateFlag('--from', opts.from);
      if (fromFlag && toFlag && fromFlag > toFlag)
        throw new CliError(`--from (${fromFlag}) is after --to (${toFlag})`);
      await withCliContext({}, async (ctx) => {
        const { family } = ctx;
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
        const earliest = historyStart(today, ctx.config.sophtronHistoryDays);
        if (to < earliest)
          throw new CliError(
            `--to ${to} is before the bank's history limit (${earliest}, SOPHTRON_HISTORY_DAYS = ${ctx.config.sophtronHistoryDays} days): Sophtron has nothing older`,
          );
        let from = fromFlag ?? addDays(today, -30);
        if (from < earliest) {
          process.stderr.write(
            `note: --from ${from} is before the bank's history limit (SOPHTRON_HISTORY_DAYS = ${ctx.config.sophtronHistoryDays} days); reading from ${earliest}\n`,
          );
          from = earliest;
        }
        if (from > to) throw new CliError(`--from (${from}) is after --to (${to})`);
        if (!opts.overBudget) {
          const estimate = windowReads(from, to, ctx.config.sophtronWindowDays);
          await checkManualCalls(
            ctx.store,
            family.id,
            { estimate, what: 'this read' },
            schedulerSettings(ctx.config),
          ).catch((err: unknown) => {
            throw err instanceof OverBudgetError ? overBudgetCliError(err) : err;
          });
        }
        const rows = await ctx.sophtron
          .getTransactions(opts.account.trim(), from, to)
          .catch((err: unknown) => {
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

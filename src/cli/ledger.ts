/**
 * `ledger transactions` and `ledger delete`: the ledger itself from the command line (what a sync
 * wrote, merged, marked vanished), so a household without the web application sees and curates
 * the same data the web and the destinations use.
 */
import type { Command } from 'commander';
import { minorToDecimal } from '../money.js';
import type { LedgerTransactionStatus } from '../store/schema.js';
import type { TransactionListItem } from '../store/transactions.js';
import { isCalendarDate } from '../dates.js';
import { withCliContext, type CliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';
import { resolveAccounts } from './sync.js';

const STATUSES: readonly LedgerTransactionStatus[] = ['pending', 'posted', 'vanished'];
const MAX_LIMIT = 10_000;

interface ListFlags {
  account?: string[];
  from?: string;
  to?: string;
  status?: string[];
  search?: string;
  limit?: string;
  json?: boolean;
}

function dateFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!isCalendarDate(v))
    throw new CliError(`${flag}: must be a date YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return v;
}

function statusFlag(values: string[] | undefined): LedgerTransactionStatus[] | undefined {
  if (!values?.length) return undefined;
  return values.map((v) => {
    const s = v.trim().toLowerCase() as LedgerTransactionStatus;
    if (!STATUSES.includes(s)) {
      throw new CliError(`--status: must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(v)})`);
    }
    return s;
  });
}

function limitFlag(value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new CliError(
      `--limit: must be a whole number from 1 to ${MAX_LIMIT} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}

/** Every ledger account, linked or not (an unlinked one keeps its history). */
async function ledgerAccounts(ctx: CliContext) {
  const linked = new Map(
    (await ctx.store.listSyncableAccounts(ctx.family.id)).map((a) => [a.id, a.sophtron_account_id]),
  );
  return (await ctx.store.listAccounts(ctx.family.id)).map((a) => ({
    id: a.id,
    name: a.name,
    sophtron_account_id: linked.get(a.id) ?? null,
  }));
}

export function transactionView(t: TransactionListItem | Omit<TransactionListItem, 'account_name'>) {
  return {
    id: t.id,
    accountId: t.account_id,
    ...('account_name' in t ? { accountName: t.account_name } : {}),
    status: t.status,
    date: t.date,
    transactionDate: t.transaction_date,
    postDate: t.post_date,
    amountMinor: t.amount_minor,
    amount: minorToDecimal(t.amount_minor, t.currency),
    currency: t.currency,
    description: t.description,
    merchant: t.merchant,
    category: t.category,
    memo: t.memo,
    checkNumber: t.check_number,
    sophtronTransactionId: t.provider_transaction_id,
    replacedPendingId: t.replaced_pending_id,
  };
}

export function register(program: Command): void {
  const ledger = program
    .command('ledger')
    .description('The local ledger: what syncs wrote (list, delete a transaction).');

  ledger
    .command('transactions')
    .description('Ledger transactions, newest first (merged pending→posted pairs are one row).')
    .option('--account <account...>', 'only these accounts (id, Sophtron AccountID or name); repeatable')
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day (YYYY-MM-DD)')
    .option('--status <status...>', `only these statuses: ${STATUSES.join(', ')}`)
    .option('--search <text>', 'text in the description, merchant, memo, category or check number')
    .option('--limit <n>', `at most this many rows (default 100, at most ${MAX_LIMIT})`)
    .option('--json', 'print JSON: {total, transactions}')
    .action(async (flags: ListFlags) => {
      const from = dateFlag('--from', flags.from);
      const to = dateFlag('--to', flags.to);
      if (from && to && from > to) throw new CliError(`--from (${from}) is after --to (${to})`);
      const status = statusFlag(flags.status);
      const limit = limitFlag(flags.limit);
      await withCliContext({}, async (ctx) => {
        const accounts = await ledgerAccounts(ctx);
        const accountIds = flags.account?.length
          ? resolveAccounts(flags.account, accounts, 'ledger')
          : undefined;
        const page = await ctx.store.listTransactions(ctx.family.id, {
          ...(accountIds ? { accountIds } : {}),
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(status ? { status } : {}),
          ...(flags.search?.trim() ? { search: flags.search } : {}),
          limit,
        });
        const total = page.total ?? page.rows.length;
        if (flags.json) return printJson({ total, transactions: page.rows.map(transactionView) });
        if (page.rows.length === 0) {
          process.stdout.write(
            accounts.length === 0
              ? 'the ledger is empty: link an account (`sophtron-sync accounts link`) and run `sophtron-sync sync`\n'
              : 'no ledger transactions match\n',
          );
          return;
        }
        printTable(
          page.rows.map((t) => ({
            id: t.id,
            date: t.date,
            account: t.account_name,
            amount: `${minorToDecimal(t.amount_minor, t.currency)} ${t.currency}`,
            status: t.status,
            description: t.description ?? t.merchant ?? '',
          })),
          ['id', 'date', 'account', 'amount', 'status', 'description'],
        );
        if (total > page.rows.length) {
          process.stdout.write(
            `showing the newest ${page.rows.length} of ${total}; narrow with --from/--to/--account or raise --limit\n`,
          );
        }
      });
    });

  ledger
    .command('delete <id...>')
    .description(
      'Delete ledger transactions (ids from `ledger transactions`); syncs will not bring them back, ' +
        'not even when a pending one posts under a new id (`sync --include-deleted` does).',
    )
    .option('--json', 'print JSON')
    .action(async (refs: string[], flags: { json?: boolean }) => {
      const ids = refs.map((ref) => {
        const id = Number(ref.trim());
        if (!Number.isSafeInteger(id) || id < 1) {
          throw new CliError(
            `<id>: must be a ledger transaction id, a whole number (got ${JSON.stringify(ref)})`,
          );
        }
        return id;
      });
      await withCliContext({}, async ({ store, family }) => {
        const deleted = [];
        for (const id of ids) {
          const tx = await store.getTransaction(family.id, id);
          if (!tx || !(await store.deleteTransaction(family.id, id, 'cli'))) {
            throw new CliError(
              `no ledger transaction ${id} (see \`sophtron-sync ledger transactions\`)` +
                (deleted.length ? `; deleted before it: ${deleted.map((t) => t.id).join(', ')}` : ''),
            );
          }
          deleted.push(tx);
          if (!flags.json) {
            process.stdout.write(
              `deleted ${tx.id}: ${tx.date} ${minorToDecimal(tx.amount_minor, tx.currency)} ${tx.currency} ` +
                `${tx.description ?? tx.merchant ?? ''}\n`,
            );
          }
        }
        if (flags.json) return printJson({ deleted: deleted.map(transactionView) });
        process.stdout.write('a sync will not bring them back (unless `sync --include-deleted`)\n');
      });
    });
}

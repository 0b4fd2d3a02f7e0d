/**
 * `sophtron-sync sync`: fetch every linked account (or the ones named) from Sophtron into the
 * ledger. A line per account while it runs; `--json` prints the run summary instead. Exits non-zero
 * when any account failed, with one line per failed account naming it and why.
 */
import type { Command } from 'commander';
import { announceManualSyncOutcome } from '../scheduler/notifications/sync-outcome.js';
import { SyncRequestError } from '../sync/errors.js';
import type { AccountSyncResult, SyncEvent } from '../sync/run.js';
import { withCliContext } from './context.js';
import { CliError, overBudgetCliError } from './errors.js';
import { OverBudgetError } from '../scheduler/manual-budget.js';
import { cliBudgetGuard } from './budget.js';
import { printJson } from './output.js';

interface SyncFlags {
  account?: string[];
  from?: string;
  to?: string;
  includeDeleted?: boolean;
  refresh?: boolean;
  overBudget?: boolean;
  json?: boolean;
}

/** An account named on the command line: our id, Sophtron's AccountID, or its name (any case). */
export function resolveAccounts(
  refs: string[],
  accounts: readonly { id: string; name: string; sophtron_account_id: string | null }[],
  what: 'linked' | 'ledger' = 'linked',
): string[] {
  return refs.map((ref) => {
    const r = ref.trim().toLowerCase();
    const hits = accounts.filter(
      (a) => a.id === ref.trim() || a.sophtron_account_id?.toLowerCase() === r || a.name.toLowerCase() === r,
    );
    if (hits.length === 1) return hits[0]!.id;
    const known =
      accounts.map((a) => `"${a.name}" (${a.id})`).join(', ') ||
      (what === 'linked' ? 'none linked yet' : 'none yet');
    if (hits.length > 1)
      throw new CliError(`--account ${JSON.stringify(ref)} names several accounts; use an id: ${known}`);
    throw new CliError(`--account ${JSON.stringify(ref)} is not a ${what} account; ${what}: ${known}`);
  });
}

const counts = (r: AccountSyncResult) =>
  `${r.counts.new} new, ${r.counts.updated} updated, ${r.counts.merged} merged, ${r.counts.vanished} vanished` +
  (r.skippedDeleted > 0 ? `, ${r.skippedDeleted} you deleted left out` : '');

export function accountLine(r: AccountSyncResult): string {
  const window = r.window ? `${r.window.from}..${r.window.to}` : '';
  const calls = `${r.sophtronCalls} Sophtron call${r.sophtronCalls === 1 ? '' : 's'}`;
  switch (r.outcome) {
    case 'failed':
      return `FAILED  ${r.accountName}  ${window}  ${r.error}  (${calls})`;
    case 'needs_attention':
      return `ATTENTION  ${r.accountName}  ${window}  ${counts(r)}  (${calls}); ${r.note}`;
    default:
      return `ok  ${r.accountName}  ${window}  ${counts(r)}  (${calls})${r.note ? `; ${r.note}` : ''}`;
  }
}

export function register(program: Command): void {
  program
    .command('sync')
    .description(
      'Fetch linked accounts from Sophtron into the ledger (new, changed, posted and vanished transactions).',
    )
    .option('--account <account...>', 'only these accounts (id, Sophtron AccountID or name); repeatable')
    .option('--from <date>', 'first day to read (YYYY-MM-DD), instead of the last sync minus the overlap')
    .option('--to <date>', 'last day to read (YYYY-MM-DD), instead of tomorrow')
    .option('--include-deleted', 'bring back transactions you deleted in the ledger')
    .option('--no-refresh', 'read what Sophtron has without asking the bank to refresh first')
    .option(
      '--over-budget',
      "go on even when the sync would spend more than the month's Sophtron budget has left",
    )
    .option('--json', 'print the run summary as JSON')
    .action(async (flags: SyncFlags) => {
      await withCliContext({}, async (ctx) => {
        const linked = await ctx.store.listSyncableAccounts(ctx.family.id);
        if (linked.length === 0) {
          throw new CliError(
            'no linked accounts: link one with `sophtron-sync accounts link <account>` first',
          );
        }
        const accountIds = flags.account?.length ? resolveAccounts(flags.account, linked) : undefined;
        const onEvent = (e: SyncEvent) => {
          if (flags.json) return;
          if (e.type === 'run-started') for (const n of e.notes ?? []) process.stdout.write(`note: ${n}\n`);
          else if (e.type === 'refreshing')
            process.stdout.write(
              `refreshing ${e.logins} bank login${e.logins === 1 ? '' : 's'} at Sophtron\n`,
            );
          else if (e.type === 'account-started') {
            process.stdout.write(
              `syncing ${e.accountName} (${e.index + 1}/${e.total}) ${e.window.from}..${e.window.to}\n`,
            );
          } else if (e.type === 'account-finished') process.stdout.write(`${accountLine(e.result)}\n`);
        };
        let result;
        try {
          result = await ctx.app.runSync(ctx.family.id, {
            trigger: 'cli',
            ...(accountIds ? { accountIds } : {}),
            ...(flags.from ? { from: flags.from.trim() } : {}),
            ...(flags.to ? { to: flags.to.trim() } : {}),
            includeDeleted: flags.includeDeleted ?? false,
            refresh: flags.refresh ?? true,
            onEvent,
            checkCalls: cliBudgetGuard(ctx, flags.overBudget),
          });
        } catch (err) {
          if (err instanceof SyncRequestError) throw new CliError(err.message);
          if (err instanceof OverBudgetError) throw overBudgetCliError(err);
          throw err;
        }
        if (flags.json) printJson(result);
        else {
          const t = result.totals;
          process.stdout.write(
            `sync ${result.outcome}: ${t.new} new, ${t.updated} updated, ${t.merged} merged, ${t.vanished} vanished; ` +
              `${result.sophtronCalls} Sophtron calls; ${(result.durationMs / 1000).toFixed(1)} s\n`,
          );
        }
        const failed = result.accounts.filter((a) => a.outcome === 'failed');
        for (const f of failed) process.stderr.write(`error: ${f.accountName}: ${f.error}\n`);
        // A login the bank refused (or that asks a question) goes stale until a person acts: say which.
        const attention = await announceManualSyncOutcome(
          {
            store: ctx.store,
            log: ctx.logger,
            allowLinkLocal: ctx.config.notifyAllowLinkLocal,
          },
          ctx.family.id,
          result.accounts,
        );
        for (const l of attention) {
          const fix = l.refused
            ? `give Sophtron the new login with \`sophtron-sync connections update ${l.userInstitutionId}\``
            : `answer the bank with \`sophtron-sync connections refresh ${l.userInstitutionId}\``;
          process.stderr.write(
            `error: ${l.institutionName} (${l.accountNames.join(', ')}): ${l.reason}; ${fix}\n`,
          );
        }
        if (failed.length > 0 || attention.length > 0) process.exitCode = 1;
      });
    });
}

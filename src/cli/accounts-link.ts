/**
 * `accounts link` and `accounts unlink`: which provider accounts the ledger syncs, as which kind,
 * in which currency, and how their balance is shown. Registered after `accounts` (it adds
 * subcommands to that command, or creates it when absent).
 */
import type { Command } from 'commander';
import {
  ACCOUNT_KINDS,
  BALANCE_RULES,
  isCurrencyCode,
  type Account,
  type LinkOptions,
  type ProviderAccountListing,
} from '../store/index.js';
import { centsToDecimal } from '../money.js';
import { GONE } from '../store/accounts.js';
import { importRemoteAccounts } from '../sync/remote-accounts.js';
import type { AccountKind, BalanceRule } from '../store/schema.js';
import { withCliContext, type CliContext } from './context.js';
import { calendarDateIn } from '../dates.js';
import { accountStartDate } from '../sync/window.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';

/** The CLI spells choices with dashes (credit-card); the ledger with underscores. */
const dashed = (v: string) => v.replace(/_/g, '-');
const undashed = (v: string) => v.trim().toLowerCase().replace(/-/g, '_');

function choice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const v = undashed(value) as T;
  if (!allowed.includes(v)) {
    throw new CliError(
      `${flag}: must be one of ${allowed.map(dashed).join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return v;
}

interface LinkFlags {
  kind?: string;
  currency?: string;
  name?: string;
  balanceRule?: string;
  startDate?: string;
  json?: boolean;
}

export function parseLinkFlags(flags: LinkFlags): LinkOptions {
  const out: LinkOptions = {};
  if (flags.kind !== undefined) out.kind = choice<AccountKind>('--kind', flags.kind, ACCOUNT_KINDS);
  if (flags.balanceRule !== undefined) {
    out.balanceRule = choice<BalanceRule>('--balance-rule', flags.balanceRule, BALANCE_RULES);
  }
  if (flags.currency !== undefined) {
    const c = flags.currency.trim().toUpperCase();
    if (!isCurrencyCode(c)) {
      throw new CliError(
        `--currency: must be a 3-letter ISO 4217 code such as USD (got ${JSON.stringify(flags.currency)})`,
      );
    }
    out.currency = c;
  }
  if (flags.name !== undefined) {
    const n = flags.name.trim();
    if (!n) throw new CliError('--name: must not be empty');
    out.name = n;
  }
  if (flags.startDate !== undefined) {
    const d = flags.startDate.trim();
    const t = Date.parse(`${d}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) {
      throw new CliError(`--start-date: must be a date YYYY-MM-DD (got ${JSON.stringify(flags.startDate)})`);
    }
    out.startDate = d;
  }
  return out;
}

/**
 * --start-date in the family's days: one in the future is refused, one before the bank's history
 * limit becomes the limit (a note on stderr says so).
 */
function checkStartDate(
  options: { startDate?: string | null },
  ctx: Pick<CliContext, 'family' | 'config'>,
): void {
  if (!options.startDate) return;
  const today = calendarDateIn(new Date(), ctx.family.time_zone);
  const start = accountStartDate(options.startDate, today, ctx.config.sophtronHistoryDays);
  if ('error' in start) throw new CliError(`--start-date: ${start.error}`);
  if (start.note) process.stderr.write(`note: --start-date ${start.note}\n`);
  options.startDate = start.date;
}

export function describeAccount(a: Account) {
  return {
    id: a.id,
    name: a.name,
    kind: dashed(a.kind),
    currency: a.currency,
    balanceRule: dashed(a.balance_rule),
    startDate: a.sync_start_date,
    linked: a.provider_account_id !== null,
  };
}

function providerAccountView(p: ProviderAccountListing) {
  return {
    id: p.id,
    sophtronAccountId: p.sophtron_account_id,
    institution: p.institution_name,
    connectionStatus: p.connection_status,
    /** Sophtron's tracked/untracked, or "gone" when Sophtron no longer lists it. */
    remoteStatus: p.remote_status,
    name: p.name,
    numberMask: p.number_mask,
    type: p.type,
    /** As Sophtron reported it (before the account's balance rule). */
    balance: centsToDecimal(p.balance_minor),
    balanceMinor: p.balance_minor,
    linked: p.account ? describeAccount(p.account) : null,
  };
}

export function register(program: Command): void {
  const accounts =
    program.commands.find((c) => c.name() === 'accounts') ??
    program.command('accounts').description('Accounts at Sophtron and in the ledger.');

  accounts
    .command('ledger')
    .description(
      'Provider accounts known to the ledger and which are linked (synced); no Sophtron calls unless --refresh.',
    )
    .option('--refresh', 'read bank logins and accounts from Sophtron first (uses a few API calls)')
    .option('--json', 'print JSON')
    .action(async (flags: { refresh?: boolean; json?: boolean }) => {
      await withCliContext({}, async (ctx) => {
        if (flags.refresh) await importRemoteAccounts(ctx.store, ctx.family.id, ctx.sophtron);
        const rows = await ctx.store.listProviderAccounts(ctx.family.id);
        if (flags.json) {
          printJson(rows.map(providerAccountView));
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(
            'no provider accounts in the ledger yet: connect a bank (sophtron-sync connect), or read existing ones with --refresh\n',
          );
          return;
        }
        printTable(
          rows.map((r) => {
            const v = providerAccountView(r);
            return {
              AccountID: v.sophtronAccountId,
              institution: v.institution,
              name: v.remoteStatus === GONE ? `${v.name} (no longer at Sophtron)` : v.name,
              number: v.numberMask,
              type: v.type,
              balance: v.balance,
              linked: v.linked ? `${v.linked.name} (${v.linked.kind}, ${v.linked.currency})` : 'not linked',
            };
          }),
        );
      });
    });

  accounts
    .command('link <provider-account>')
    .description(
      'Sync a provider account into the ledger (by Sophtron AccountID or our provider account id). ' +
        "Kind, currency and balance rule default from Sophtron's account type and the institution.",
    )
    .option('--kind <kind>', `account kind: ${ACCOUNT_KINDS.map(dashed).join(', ')}`)
    .option('--currency <code>', 'ISO currency code (default USD; CAD for Canadian institutions)')
    .option('--name <name>', "account name in the ledger (default: the bank's name for it)")
    .option(
      '--balance-rule <rule>',
      `how the balance is shown: ${BALANCE_RULES.map(dashed).join(', ')} (default owed-positive for cards and loans)`,
    )
    .option('--start-date <date>', 'first day the first sync reads (YYYY-MM-DD)')
    .option('--json', 'print JSON')
    .action(async (ref: string, flags: LinkFlags) => {
      const options = parseLinkFlags(flags);
      await withCliContext({}, async (ctx) => {
        const { store, family } = ctx;
        checkStartDate(options, ctx);
        // Accounts listed live from Sophtron (or connected elsewhere) may not be in the ledger yet:
        // read them once, then link.
        if (
          !(await store.getProviderAccount(family.id, ref)) &&
          (await store.describeCredentials(family.id))
        ) {
          try {
            await importRemoteAccounts(store, family.id, ctx.sophtron);
          } catch (err) {
            throw new CliError(
              `no provider account ${JSON.stringify(ref)} in the ledger, and reading accounts from Sophtron failed: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
        const { account, reused, defaults } = await store.linkAccount(family.id, ref, options);
        const shown = describeAccount(account);
        if (flags.json) {
          printJson({
            ...shown,
            reused,
            defaults: { ...defaults, kind: dashed(defaults.kind), balanceRule: dashed(defaults.balanceRule) },
          });
          return;
        }
        process.stdout.write(
          `${reused ? 'linked again' : 'linked'} ${ref} → account ${account.id} "${account.name}": ` +
            `kind ${shown.kind}, currency ${shown.currency}, balance rule ${shown.balanceRule}` +
            `${shown.startDate ? `, from ${shown.startDate}` : ''}\n`,
        );
      });
    });

  accounts
    .command('update <account>')
    .description(
      "Change a ledger account's choices (by ledger account id, Sophtron AccountID or provider account id).",
    )
    .option('--kind <kind>', `account kind: ${ACCOUNT_KINDS.map(dashed).join(', ')}`)
    .option('--currency <code>', 'ISO currency code (only while the account has no transactions)')
    .option('--name <name>', 'account name in the ledger')
    .option('--balance-rule <rule>', `how the balance is shown: ${BALANCE_RULES.map(dashed).join(', ')}`)
    .option('--start-date <date>', 'first day the first sync reads (YYYY-MM-DD)')
    .option('--json', 'print JSON')
    .action(async (ref: string, flags: LinkFlags) => {
      const options = parseLinkFlags(flags);
      if (Object.keys(options).length === 0) {
        throw new CliError(
          'nothing to change: give --kind, --currency, --name, --balance-rule or --start-date',
        );
      }
      await withCliContext({}, async (ctx) => {
        const { store, family } = ctx;
        checkStartDate(options, ctx);
        const id =
          (await store.getAccount(family.id, ref))?.id ??
          (await store.getProviderAccount(family.id, ref))?.account?.id;
        if (!id) throw new CliError(`no account or linked provider account ${JSON.stringify(ref)}`);
        const account = (await store.updateAccount(family.id, id, options))!;
        const shown = describeAccount(account);
        if (flags.json) printJson(shown);
        else
          process.stdout.write(
            `updated account ${account.id} "${account.name}": kind ${shown.kind}, currency ${shown.currency}, balance rule ${shown.balanceRule}` +
              `${shown.startDate ? `, from ${shown.startDate}` : ''}\n`,
          );
      });
    });

  accounts
    .command('unlink <account>')
    .description(
      'Stop syncing an account (by ledger account id, Sophtron AccountID or provider account id); its history stays.',
    )
    .option('--json', 'print JSON')
    .action(async (ref: string, flags: { json?: boolean }) => {
      await withCliContext({}, async ({ store, family }) => {
        const account = await store.unlinkAccount(family.id, ref);
        if (!account) throw new CliError(`no account or provider account ${JSON.stringify(ref)}`);
        if (flags.json) printJson(describeAccount(account));
        else process.stdout.write(`unlinked account ${account.id} "${account.name}" (its history is kept)\n`);
      });
    });
}

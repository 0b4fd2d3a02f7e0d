/**
 * `sophtron-sync import <config.json>`: what the data importer's `importer:import` does for
 * Sophtron — sync the accounts the configuration names, deliver them into Firefly III — with its
 * exit codes (firefly-iii.md §4.1), and `sophtron-sync config validate <file>`.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describeComparison } from '../destinations/firefly/balance-check.js';
import {
  FireflyAuthError,
  FireflyClient,
  FireflyError,
  FireflyUnreachableError,
  FireflyVersionError,
} from '../destinations/firefly/client.js';
import { deliverFamily, localDate, type DeliveryResult } from '../destinations/firefly/deliver.js';
import type { AccountTarget } from '../destinations/firefly/accounts.js';
import {
  FidiConfigError,
  importPlan,
  parseFidiConfig,
  writeFidiConfig,
  type FidiConfig,
} from '../destinations/firefly/fidi-config.js';
import { getFireflySettings } from '../destinations/firefly/repository.js';
import { jobTiming } from '../sophtron/connect.js';
import { syncFamily, type SyncRunResult } from '../sync/run.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson } from './output.js';

/** The data importer's exit codes (app/Enums/ExitCode.php). */
export const EXIT = {
  ok: 0,
  general: 1,
  noConnection: 64,
  invalidPath: 65,
  cannotReadConfig: 68,
  cannotParseConfig: 69,
  tooManyErrors: 72,
  nothingImported: 73,
  agreementExpired: 74,
} as const;

const VERSION = process.env.npm_package_version ?? '0.1.0';

export function readConfigFile(file: string): FidiConfig {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new CliError(`${file}: no such file`, EXIT.invalidPath);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `${file}: cannot read it (${err instanceof Error ? err.message : String(err)})`,
      EXIT.cannotReadConfig,
    );
  }
  try {
    return parseFidiConfig(text);
  } catch (err) {
    if (err instanceof FidiConfigError) throw new CliError(`${file}: ${err.message}`, EXIT.cannotParseConfig);
    throw err;
  }
}

/** Adds `validate` to the `config` command (called from src/cli/config.ts). */
export function registerConfigValidate(config: Command): void {
  config
    .command('validate <file>')
    .description('Check a Firefly III data importer configuration file (version 3, flow "sophtron").')
    .option('--json', 'print JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const c = readConfigFile(file);
      const summary = {
        valid: true,
        accounts: Object.keys(c.accounts).length,
        newAccounts: Object.values(c.accounts).filter((v) => v === 0).length,
        dateRange: c.date_range,
        duplicateDetection: c.duplicate_detection_method,
        pending: c.pending_transactions ? 'tag' : 'skip',
      };
      if (opts.json) printJson(summary);
      else
        process.stdout.write(
          `${file}: valid (${summary.accounts} account(s), ${summary.newAccounts} to create; date range ${summary.dateRange}; duplicates: ${summary.duplicateDetection})\n`,
        );
    });
}

interface ImportFlags {
  sync?: boolean;
  recreateDeleted?: boolean;
  saveConfig?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('import <config>')
    .description(
      'Sync the accounts a Firefly III data importer configuration names (flow "sophtron") and deliver them into Firefly III.',
    )
    .option('--no-sync', 'deliver what the ledger holds, without asking Sophtron first')
    .option('--recreate-deleted', 'deliver again transactions that were deleted in Firefly III')
    .option('--save-config <file>', 'write the configuration back, with the Firefly III account ids used')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      process.exitCode = await runImport(file, flags);
    });
}

function progressLine(json: boolean) {
  const tty = process.stderr.isTTY && !json;
  let last = 0;
  return {
    line(text: string) {
      const now = Date.now();
      if (tty) process.stderr.write(`\r${text}\x1b[K`);
      else if (now - last > 2_000) {
        process.stderr.write(`${text}\n`);
        last = now;
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

export async function runImport(file: string, flags: ImportFlags): Promise<number> {
  const config = readConfigFile(file);
  return withCliContext({}, async (ctx) => {
    const settings =
      ctx.config.fireflyUrl && ctx.config.fireflyToken
        ? { url: ctx.config.fireflyUrl, token: ctx.config.fireflyToken }
        : await getFireflySettings(ctx.store.db, ctx.store.secrets, ctx.family.id);
    if (!settings) {
      throw new CliError(
        'no Firefly III connection: set FIREFLY_III_URL and FIREFLY_III_ACCESS_TOKEN (or save them in the web application)',
        EXIT.noConnection,
      );
    }
    const client = new FireflyClient({
      baseUrl: settings.url,
      token: settings.token,
      timeoutMs: ctx.config.fireflyTimeoutMs,
    });
    let fireflyVersion: string;
    try {
      fireflyVersion = await client.checkVersion();
    } catch (err) {
      if (
        err instanceof FireflyAuthError ||
        err instanceof FireflyUnreachableError ||
        err instanceof FireflyVersionError
      ) {
        throw new CliError(err.message, EXIT.noConnection);
      }
      throw err;
    }

    const today = localDate(new Date(), ctx.family.time_zone);
    const plan = importPlan(config, today, { pending: ctx.config.fireflyPending });
    const warnings: string[] = [];
    const accountIds: string[] = [];
    const targets = new Map<string, AccountTarget>();
    const ledgerBySophtron = new Map<string, string>();
    for (const [sophtronId, target] of plan.targets) {
      const listing = await ctx.store.getProviderAccount(ctx.family.id, sophtronId);
      if (!listing) {
        warnings.push(
          `Sophtron account ${sophtronId} is unknown here (see: sophtron-sync accounts list); skipped`,
        );
        continue;
      }
      let account = listing.account;
      if (!account) {
        const currency = target.kind === 'new' ? target.currency : undefined;
        account = (await ctx.store.linkAccount(ctx.family.id, sophtronId, currency ? { currency } : {}))
          .account;
        warnings.push(
          `linked Sophtron account ${sophtronId} as "${account.name}" (${account.kind}, ${account.currency})`,
        );
      }
      accountIds.push(account.id);
      targets.set(account.id, target);
      ledgerBySophtron.set(sophtronId, account.id);
    }
    if (accountIds.length === 0) {
      throw new CliError(`${file}: none of its accounts can be imported`, EXIT.nothingImported);
    }

    const progress = progressLine(!!flags.json);
    let sync: SyncRunResult | null = null;
    if (flags.sync !== false) {
      sync = await syncFamily(
        {
          store: ctx.store,
          sophtron: ctx.sophtron,
          config: ctx.config,
          logger: ctx.logger,
          jobOptions: jobTiming(ctx.config),
        },
        ctx.family.id,
        {
          accountIds,
          ...(plan.window.from ? { from: plan.window.from } : {}),
          to: plan.window.to,
          trigger: 'import',
          onEvent: (e) => {
            if (e.type === 'account-started')
              progress.line(`syncing ${e.accountName} (${e.index + 1}/${e.total})`);
          },
        },
      );
    }
    let result: DeliveryResult;
    try {
      result = await deliverFamily({ db: ctx.store.db, client }, ctx.family.id, {
        accountIds,
        targets,
        pending: plan.pending,
        addImportTag: plan.addImportTag,
        customTag: plan.customTag,
        applyRules: plan.applyRules,
        fireWebhooks: plan.fireWebhooks,
        errorIfDuplicateHash: plan.errorIfDuplicateHash,
        mapping: plan.mapping,
        recreateDeleted: !!flags.recreateDeleted,
        fireflyVersion,
        concurrency: ctx.config.fireflyConcurrency,
        notBefore: plan.window.from,
        notAfter: plan.window.to,
        version: VERSION,
        onProgress: (p) =>
          progress.line(
            `delivering ${p.done}/${p.total} (created ${p.created}, updated ${p.updated}, failed ${p.failed})`,
          ),
      });
    } catch (err) {
      progress.end();
      if (err instanceof FireflyAuthError || err instanceof FireflyUnreachableError)
        throw new CliError(err.message, EXIT.noConnection);
      if (err instanceof FireflyError) throw new CliError(err.message, EXIT.general);
      throw err;
    }
    progress.end();

    if (flags.saveConfig) {
      const accounts: Record<string, number> = {};
      const links = await ctx.store.db
        .selectFrom('firefly_accounts')
        .select(['account_id', 'firefly_account_id'])
        .where('family_id', '=', ctx.family.id)
        .execute();
      const byAccount = new Map(links.map((l) => [l.account_id, l.firefly_account_id]));
      for (const [sophtronId, accountId] of ledgerBySophtron) {
        const id = Number(byAccount.get(accountId));
        if (Number.isInteger(id) && id > 0) accounts[sophtronId] = id;
      }
      writeFileSync(flags.saveConfig, writeFidiConfig(config, { accounts, version: VERSION }));
    }

    const needsAttention = sync?.accounts.filter((a) => a.outcome === 'needs_attention') ?? [];
    const syncFailed = sync?.accounts.filter((a) => a.outcome === 'failed') ?? [];
    const summary = {
      sync: sync
        ? {
            outcome: sync.outcome,
            new: sync.totals.new,
            updated: sync.totals.updated,
            merged: sync.totals.merged,
            failedAccounts: syncFailed.map((a) => `${a.accountName}: ${a.error}`),
            needsAttention: needsAttention.map(
              (a) => `${a.accountName}: ${a.note ?? a.error ?? 'needs attention'}`,
            ),
          }
        : null,
      delivery: {
        created: result.created,
        updated: result.updated,
        alreadyThere: result.alreadyThere,
        skipped: result.skipped,
        transfersPaired: result.paired,
        deletedInFirefly: result.deletedInFirefly,
        removed: result.removed,
        failed: result.failed,
        accountsCreated: result.accountsCreated,
        requests: result.requests,
        aborted: result.aborted,
      },
      balances: result.balances,
      warnings: [...warnings, ...result.warnings],
      errors: result.errors.map((e) => e.message),
    };
    if (flags.json) printJson(summary);
    else {
      const out = (s: string) => process.stdout.write(`${s}\n`);
      if (sync)
        out(
          `sync: ${sync.outcome}; ${sync.totals.new} new, ${sync.totals.updated} updated, ${sync.totals.merged} pending→posted`,
        );
      for (const s of summary.sync?.failedAccounts ?? []) out(`  sync failed: ${s}`);
      for (const s of summary.sync?.needsAttention ?? []) out(`  needs attention: ${s}`);
      out(
        `Firefly III: ${result.created} created, ${result.updated} updated, ${result.alreadyThere} already there, ${result.skipped} skipped, ${result.failed} failed (${result.requests} requests)`,
      );
      for (const b of result.balances) out(`  balance: ${describeComparison(b)}`);
      for (const w of summary.warnings) out(`  warning: ${w}`);
      for (const e of summary.errors.slice(0, 20)) out(`  error: ${e}`);
      if (result.aborted) out(`  stopped: ${result.aborted}`);
    }
    if (result.aborted) return EXIT.noConnection;
    if (result.failed > 0) return EXIT.tooManyErrors;
    if (needsAttention.length > 0) return EXIT.agreementExpired;
    if (result.created + result.updated + result.alreadyThere + result.removed === 0)
      return EXIT.nothingImported;
    return EXIT.ok;
  });
}

/**
 * `sophtron-sync import <config.json>`: what the data importer's `importer:import` does for
 * Sophtron — sync the accounts the configuration names, deliver them into Firefly III — with its
 * exit codes, and `sophtron-sync config validate <file>`.
 */
import {
  NothingToImportError,
  runImportConfiguration,
  type ImportOutcome,
  type ImportResult,
  type ImportSync,
} from '../app/import.js';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { keptEditLine } from '../destinations/firefly/summary.js';
import { describeComparison } from '../destinations/firefly/balance-check.js';
import {
  FireflyAuthError,
  FireflyClient,
  FireflyError,
  FireflyUnreachableError,
  FireflyVersionError,
} from '../destinations/firefly/client.js';
import {
  dateRangeProblems,
  FidiConfigError,
  parseFidiConfig,
  type FidiConfig,
} from '../destinations/firefly/fidi-config.js';
import { calendarDateIn } from '../dates.js';
import { configWithFireflyIds } from '../destinations/firefly/import-run.js';
import { DATABASE_FILE } from '../store/database.js';
import { withCliContext } from './context.js';
import { CliError, overBudgetCliError } from './errors.js';
import { OverBudgetError } from '../scheduler/manual-budget.js';
import { cliBudgetGuard } from './budget.js';
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
  if (!existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.invalidPath);
  if (statSync(file).isDirectory())
    throw new CliError(
      `${file}: is a directory, not a file (give the configuration file in it)`,
      EXIT.invalidPath,
    );
  if (!statSync(file).isFile()) throw new CliError(`${file}: not a regular file`, EXIT.invalidPath);
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
    const parsed = parseFidiConfig(text);
    const problems = dateRangeProblems(parsed, calendarDateIn(new Date(), loadConfig().timeZone));
    if (problems.length) throw new FidiConfigError(problems);
    return parsed;
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
    .action(async (file: string, opts: { json?: boolean }) => {
      const c = readConfigFile(file);
      const unknown = await unknownAccounts(Object.keys(c.accounts));
      const summary = {
        valid: true,
        accounts: Object.keys(c.accounts).length,
        newAccounts: Object.values(c.accounts).filter((v) => v === 0).length,
        dateRange: c.date_range,
        duplicateDetection: c.duplicate_detection_method,
        pending: c.pending_transactions ? 'tag' : 'skip',
        unknownAccounts: unknown.ids,
        warnings: unknown.warnings,
      };
      for (const warning of unknown.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (opts.json) printJson(summary);
      else
        process.stdout.write(
          `${file}: valid (${summary.accounts} account(s), ${summary.newAccounts} to create; date range ${summary.dateRange}; duplicates: ${summary.duplicateDetection})\n`,
        );
    });
}

/**
 * The file's accounts this ledger does not know (an import would skip them). Only an existing
 * ledger is asked: validating a file never creates a database or a key.
 */
async function unknownAccounts(ids: string[]): Promise<{ ids: string[]; warnings: string[] }> {
  const env = loadConfig();
  if (!process.env.DATABASE_URL && !existsSync(join(env.dataDir, DATABASE_FILE))) {
    return { ids: [], warnings: [`no ledger in ${env.dataDir}: the accounts were not checked`] };
  }
  try {
    return await withCliContext({ config: env }, async (ctx) => {
      const missing: string[] = [];
      for (const id of ids) if (!(await ctx.store.getProviderAccount(ctx.family.id, id))) missing.push(id);
      return {
        ids: missing,
        warnings: missing.map(
          (id) =>
            `account "${id}" is unknown to this ledger (not among the family's connected accounts); an import skips it`,
        ),
      };
    });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    return { ids: [], warnings: [`the accounts were not checked: ${err.message}`] };
  }
}

interface ImportFlags {
  sync?: boolean;
  recreateDeleted?: boolean;
  saveConfig?: string;
  overBudget?: boolean;
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
    .option(
      '--over-budget',
      "go on even when the sync would spend more than the month's Sophtron budget has left",
    )
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
        : await ctx.store.getFireflySettings(ctx.family.id);
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
      retryBudgetMs: ctx.config.fireflyRetryBudgetMs,
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

    const progress = progressLine(!!flags.json);
    const sync: ImportSync = (familyId, request) =>
      ctx.app.runSync(familyId, {
        ...request,
        checkCalls: cliBudgetGuard(ctx, flags.overBudget, 'this import'),
      });
    let result: ImportResult;
    try {
      result = await runImportConfiguration(
        {
          store: ctx.store,
          client,
          sync: flags.sync === false ? null : sync,
          concurrency: ctx.config.fireflyConcurrency,
        },
        ctx.family.id,
        config,
        {
          trigger: 'import',
          linkUnlinked: true,
          pending: ctx.config.fireflyPending,
          recreateDeleted: !!flags.recreateDeleted,
          fireflyVersion,
          version: VERSION,
          onEvent: (e) => {
            if (e.type === 'sync' && e.event.type === 'account-started')
              progress.line(`syncing ${e.event.accountName} (${e.event.index + 1}/${e.event.total})`);
            if (e.type === 'delivery') {
              const p = e.progress;
              progress.line(
                `delivering ${p.done}/${p.total} (created ${p.created}, updated ${p.updated}, failed ${p.failed})`,
              );
            }
          },
        },
      );
    } catch (err) {
      progress.end();
      if (err instanceof OverBudgetError) throw overBudgetCliError(err);
      if (err instanceof NothingToImportError)
        throw new CliError(`${file}: ${err.message}`, EXIT.nothingImported);
      if (err instanceof FireflyAuthError || err instanceof FireflyUnreachableError)
        throw new CliError(err.message, EXIT.noConnection);
      if (err instanceof FireflyError) throw new CliError(err.message, EXIT.general);
      throw err;
    }
    progress.end();

    if (flags.saveConfig) {
      writeFileSync(
        flags.saveConfig,
        await configWithFireflyIds(ctx.store, ctx.family.id, config, result.ledgerBySophtron, VERSION),
      );
    }
    const summary = importSummary(result);
    if (flags.json) printJson(summary);
    else printSummary(result, summary);
    return EXIT_FOR[result.outcome];
  });
}

const EXIT_FOR: Record<ImportOutcome, number> = {
  ok: EXIT.ok,
  aborted: EXIT.noConnection,
  failures: EXIT.tooManyErrors,
  needs_attention: EXIT.agreementExpired,
  nothing_imported: EXIT.nothingImported,
};

function importSummary({ sync, delivery: d, warnings, outcome }: ImportResult) {
  return {
    outcome,
    sync: sync
      ? {
          outcome: sync.outcome,
          new: sync.totals.new,
          updated: sync.totals.updated,
          merged: sync.totals.merged,
          failedAccounts: sync.accounts
            .filter((a) => a.outcome === 'failed')
            .map((a) => `${a.accountName}: ${a.error}`),
          needsAttention: sync.accounts
            .filter((a) => a.outcome === 'needs_attention')
            .map((a) => `${a.accountName}: ${a.note ?? a.error ?? 'needs attention'}`),
        }
      : null,
    delivery: {
      created: d.created,
      updated: d.updated,
      alreadyThere: d.alreadyThere,
      unchanged: d.unchanged,
      skipped: d.skipped,
      transfersPaired: d.paired,
      deletedInFirefly: d.deletedInFirefly,
      removed: d.removed,
      failed: d.failed,
      keptYourEdit: d.keptEdits,
      accountsCreated: d.accountsCreated,
      requests: d.requests,
      aborted: d.aborted,
    },
    balances: d.balances,
    warnings,
    errors: d.errors.map((e) => e.message),
  };
}

function printSummary(result: ImportResult, summary: ReturnType<typeof importSummary>): void {
  const { sync, delivery: d } = result;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (sync)
    out(
      `sync: ${sync.outcome}; ${sync.totals.new} new, ${sync.totals.updated} updated, ${sync.totals.merged} pending→posted`,
    );
  for (const s of summary.sync?.failedAccounts ?? []) out(`  sync failed: ${s}`);
  for (const s of summary.sync?.needsAttention ?? []) out(`  needs attention: ${s}`);
  out(
    `Firefly III: ${d.created} created, ${d.updated} updated, ${d.alreadyThere} already there, ${d.skipped} skipped, ${d.failed} failed (${d.requests} requests)`,
  );
  if (d.updated > 0) out(`  ${keptEditLine(d.updated, d.keptEdits)}`);
  for (const b of d.balances) out(`  balance: ${describeComparison(b)}`);
  for (const w of summary.warnings) out(`  warning: ${w}`);
  for (const e of summary.errors.slice(0, 20)) out(`  error: ${e}`);
  if (d.aborted) out(`  stopped: ${d.aborted}`);
  if (result.outcome === 'nothing_imported')
    out(
      'Nothing new to import: Firefly III is already up to date. This is not an error; the exit code is 73 ("nothing imported") as with the data importer.',
    );
}

/**
 * `simplefin token create|list|revoke`: SimpleFIN access from the command line, for the family the
 * command line works on. The setup token is printed once (stdout), to paste into the app; the app
 * claims it at `<address>/simplefin/claim/…` on a running `sophtron-sync serve`.
 */
import type { Command } from 'commander';
import { createSetupToken, SetupTokenError, tokenState } from '../simplefin/index.js';
import { StoreError } from '../store/index.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';
import { resolveAccounts } from './sync.js';

interface CreateFlags {
  name: string;
  account: string[];
  expires?: string;
  refreshHours?: string;
  url?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const simplefin = program
    .command('simplefin')
    .description('Serve accounts to SimpleFIN apps (Actual Budget, Sure, the Firefly III data importer).');
  const token = simplefin.command('token').description('Setup tokens and the access they give.');

  token
    .command('create')
    .description(
      'Make a setup token (printed once) that an app claims for read access to the chosen accounts.',
    )
    .requiredOption('--name <name>', 'which app it is for, e.g. "Actual Budget"')
    .requiredOption(
      '--account <account...>',
      'accounts it may read (id, Sophtron AccountID or name); repeatable',
    )
    .option('--expires <date>', 'access ends at the end of this day, YYYY-MM-DD (default: never)')
    .option(
      '--refresh-hours <hours>',
      'a request finding data older than this starts a sync (within the budget)',
    )
    .option('--url <url>', 'the address apps reach `sophtron-sync serve` at (default: PUBLIC_URL)')
    .option('--json', 'print JSON')
    .action(async (flags: CreateFlags) => {
      await withCliContext({}, async (ctx) => {
        const baseUrl = flags.url?.trim() || ctx.config.publicUrl;
        if (!baseUrl)
          throw new CliError(
            '--url: give the address apps reach `sophtron-sync serve` at (https://sync.example.org), or set PUBLIC_URL',
          );
        const linked = await ctx.store.listSyncableAccounts(ctx.family.id);
        const accountIds = resolveAccounts(flags.account, linked);
        try {
          const created = await createSetupToken(ctx.store, ctx.family.id, {
            name: flags.name,
            accountIds,
            baseUrl,
            expires: flags.expires ?? null,
            refreshHours: flags.refreshHours ?? null,
            createdBy: null,
          });
          if (flags.json)
            return printJson({
              id: created.token.id,
              name: created.token.name,
              setupToken: created.setupToken,
            });
          process.stdout.write(`${created.setupToken}\n`);
          process.stderr.write(
            `setup token for "${created.token.name}" (id ${created.token.id}): paste it into the app; it works once, ` +
              `within ${Math.round((Date.parse(created.token.claim_expires_at) - Date.now()) / 3_600_000)} hours, ` +
              `and is not shown again\n`,
          );
        } catch (err) {
          if (err instanceof SetupTokenError || err instanceof StoreError) throw new CliError(err.message);
          throw err;
        }
      });
    });

  token
    .command('list')
    .description(
      'SimpleFIN access of this family: state, accounts, last use, claims refused after the first.',
    )
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withCliContext({}, async (ctx) => {
        const now = new Date();
        const rows = (await ctx.store.listSimplefinTokens(ctx.family.id)).map((t) => ({
          id: t.id,
          name: t.name,
          state: tokenState(t, now),
          accounts: t.accounts.map((a) => a.name).join(', '),
          lastUsed: t.last_used_at,
          requests: t.use_count,
          expires: t.expires_at,
          refreshHours: t.refresh_hours,
          refusedClaims: t.refused_claims,
          lastRefusedClaim: t.last_refused_claim_at,
        }));
        if (flags.json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write('no SimpleFIN access yet: `sophtron-sync simplefin token create`\n');
          return;
        }
        printTable(
          rows.map((r) => ({
            ...r,
            lastUsed: r.lastUsed ?? 'never',
            warning: r.refusedClaims > 0 ? `claimed again ${r.refusedClaims}×: possible leak` : '',
          })),
          ['id', 'name', 'state', 'accounts', 'lastUsed', 'requests', 'warning'],
        );
      });
    });

  token
    .command('revoke')
    .description('Revoke a setup token and the Access URL it gave: the app gets 403 from then on.')
    .argument('<id>', 'the id `simplefin token list` shows')
    .action(async (id: string) => {
      await withCliContext({}, async (ctx) => {
        if (!(await ctx.store.revokeSimplefinToken(ctx.family.id, id.trim(), new Date().toISOString())))
          throw new CliError(
            `no SimpleFIN access ${JSON.stringify(id)} to revoke (see \`simplefin token list\`)`,
          );
        process.stdout.write(`revoked ${id.trim()}\n`);
      });
    });
}

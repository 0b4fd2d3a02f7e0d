/**
 * `connections`: the bank logins at Sophtron (list by default), with `refresh <id>`,
 * `update <id>` (new bank login, e.g. after a password change) and `delete <id>`.
 */
import type { Command } from 'commander';
import type { SophtronClient } from '../sophtron/client.js';
import { SophtronNotFoundError } from '../sophtron/errors.js';
import { jobTiming, refreshConnection, runJob } from '../sophtron/connect.js';
import type { JobOutcome, ProviderAccountData } from '../domain/types.js';
import type { Store } from '../store/index.js';
import { recordConnection } from '../store/record-connection.js';
import { accountRows } from './accounts.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';
import { createPrompter, type Prompter } from './prompter.js';
import { outcomeError, sophtronCliError, terminalJobUi } from './sophtron-terminal.js';

/** Writes a job's outcome into the ledger, naming the institution from the ledger or Sophtron. */
async function record(
  sophtron: SophtronClient,
  store: Store,
  familyId: string,
  userInstitutionId: string,
  outcome: JobOutcome,
): Promise<ProviderAccountData[]> {
  const accounts = outcome.outcome === 'connected' ? await sophtron.listAccounts(userInstitutionId) : [];
  const known = await store.findConnectionByUserInstitution(familyId, userInstitutionId);
  const institution = known
    ? { id: known.institution_id, name: known.institution_name, countryCode: known.country_code }
    : await sophtron.getInstitution((await sophtron.getConnection(userInstitutionId)).institutionId);
  await recordConnection(store, familyId, outcome, institution, accounts, { userInstitutionId });
  return accounts;
}

/**
 * Names of institutions the ledger does not know (connections made elsewhere): Sophtron's list
 * carries only ids. One call per distinct institution; an unknown one keeps its id.
 */
async function institutionNames(sophtron: SophtronClient, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    try {
      names.set(id, (await sophtron.getInstitution(id)).name);
    } catch (err) {
      if (!(err instanceof SophtronNotFoundError)) throw sophtronCliError(err);
    }
  }
  return names;
}

function report(
  outcome: JobOutcome,
  accounts: ProviderAccountData[],
  json: boolean | undefined,
  what: string,
  connectionId: string,
) {
  if (json) printJson({ ...outcome, accounts });
  else if (outcome.outcome === 'connected') {
    process.stdout.write(`${what}: ${accounts.length} account${accounts.length === 1 ? '' : 's'}\n`);
    printTable(accountRows(accounts), ['id', 'name', 'type', 'number', 'balance', 'currency']);
  }
  const failure = outcomeError(outcome, connectionId);
  if (failure) throw failure;
}

async function withPrompter<T>(fn: (p: Prompter) => Promise<T>): Promise<T> {
  const prompter = createPrompter();
  try {
    return await fn(prompter);
  } finally {
    prompter.close();
  }
}

export function register(program: Command): void {
  const connections = program
    .command('connections')
    .description('Bank logins at Sophtron (connections): list, refresh, update, delete.');

  connections
    .command('list', { isDefault: true })
    .description(
      'Every connection at Sophtron, with its status in the ledger (the default of `connections`).',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withCliContext({}, async ({ sophtron, store, family }) => {
        const remote = await sophtron.listConnections().catch((e: unknown) => {
          throw sophtronCliError(e);
        });
        const local = new Map(
          (await store.listConnections(family.id)).map((c) => [c.user_institution_id, c]),
        );
        const names = await institutionNames(
          sophtron,
          remote.filter((c) => !local.has(c.userInstitutionId)).map((c) => c.institutionId),
        );
        const rows = remote.map((c) => ({
          id: c.userInstitutionId,
          institution:
            local.get(c.userInstitutionId)?.institution_name ?? names.get(c.institutionId) ?? c.institutionId,
          username: c.username,
          status: local.get(c.userInstitutionId)?.status ?? 'not in the ledger',
          lastModified: c.lastModified,
        }));
        if (opts.json) return printJson(rows);
        if (rows.length === 0) process.stdout.write('no connections yet: run `sophtron-sync connect`\n');
        else printTable(rows, ['id', 'institution', 'username', 'status', 'lastModified']);
      });
    });

  connections
    .command('refresh <id>')
    .description('Ask the bank for fresh data (answers challenges in the terminal when it asks).')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withPrompter((prompter) =>
        withCliContext({}, async ({ sophtron, store, family, config }) => {
          try {
            const ui = terminalJobUi(prompter, process.stderr);
            const outcome = await refreshConnection(sophtron, id.trim(), {
              onChallenge: ui.onChallenge,
              onProgress: ui.onProgress,
              ...jobTiming(config),
            });
            ui.done();
            report(
              outcome,
              await record(sophtron, store, family.id, id.trim(), outcome),
              opts.json,
              'refreshed',
              id.trim(),
            );
          } catch (e) {
            throw sophtronCliError(e);
          }
        }),
      );
    });

  connections
    .command('update <id>')
    .description('Give Sophtron a new bank login for this connection (e.g. after a password change).')
    .option('--username <name>', 'bank login name (asked when absent)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { username?: string; json?: boolean }) => {
      await withPrompter((prompter) =>
        withCliContext({}, async ({ sophtron, store, family, config }) => {
          try {
            const username = opts.username?.trim() || (await prompter.input('Bank login name:'));
            const password = await prompter.password('Bank password:');
            const { jobId } = await sophtron.updateConnection(id.trim(), { username, password });
            const ui = terminalJobUi(prompter, process.stderr);
            const outcome = await runJob(sophtron, jobId, {
              onChallenge: ui.onChallenge,
              onProgress: ui.onProgress,
              ...jobTiming(config),
              userInstitutionId: id.trim(),
            });
            ui.done();
            report(
              outcome,
              await record(sophtron, store, family.id, id.trim(), outcome),
              opts.json,
              'updated',
              id.trim(),
            );
          } catch (e) {
            throw sophtronCliError(e);
          }
        }),
      );
    });

  connections
    .command('delete <id>')
    .description('Delete the connection at Sophtron (its accounts and transactions there too).')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
      await withPrompter((prompter) =>
        withCliContext({}, async ({ sophtron }) => {
          if (!opts.yes) {
            const answer = await prompter.input(`Type "delete" to delete connection ${id} at Sophtron:`);
            if (answer.trim().toLowerCase() !== 'delete') throw new CliError('not deleted');
          }
          await sophtron.deleteConnection(id.trim()).catch((e: unknown) => {
            throw sophtronCliError(e);
          });
          if (opts.json) printJson({ deleted: id.trim() });
          else process.stdout.write(`deleted connection ${id.trim()} at Sophtron\n`);
        }),
      );
    });
}

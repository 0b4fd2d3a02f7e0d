/**
 * `connect [--institution ID|NAME] [--verification]`: connect a bank in the terminal. Pick the institution, type the
 * bank login (the password is hidden and never stored), answer each challenge the bank asks,
 * watch the progress line, and end connected with the accounts found, or with Sophtron's reason.
 */
import type { Command } from 'commander';
import type { SophtronApi } from '../sophtron/api.js';
import { connectBank, jobTiming } from '../sophtron/connect.js';
import { SophtronNotFoundError } from '../sophtron/errors.js';
import type { Institution, ProviderAccountData } from '../domain/types.js';
import { recordConnection } from '../store/record-connection.js';
import { accountRows } from './accounts.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';
import { createPrompter, type Prompter } from './prompter.js';
import { outcomeError, sophtronCliError, terminalJobUi } from './sophtron-terminal.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** By id when it looks like one, else by name: an exact name wins, otherwise the person picks. */
export async function pickInstitution(
  api: SophtronApi,
  prompter: Prompter,
  wanted: string | undefined,
): Promise<Institution> {
  const given = wanted?.trim();
  if (given && GUID.test(given)) {
    try {
      return await api.getInstitution(given);
    } catch (err) {
      if (!(err instanceof SophtronNotFoundError)) throw err;
      throw new CliError(`Sophtron knows no institution with id ${given}`);
    }
  }
  const name = given || (await prompter.input('Bank name to search for:'));
  const found = await api.searchInstitutions(name);
  if (found.length === 0) throw new CliError(`no institution matches ${JSON.stringify(name)}`);
  const exact = found.filter((i) => i.name.toLowerCase() === name.toLowerCase());
  if (exact.length === 1) return exact[0]!;
  if (found.length === 1) return found[0]!;
  return prompter.select(
    'Which institution?',
    found.slice(0, 15).map((i) => ({ name: `${i.name}${i.url ? `  (${i.url})` : ''}`, value: i })),
  );
}

interface ConnectFlags {
  institution?: string;
  username?: string;
  json?: boolean;
  verification?: boolean;
}

export function register(program: Command): void {
  program
    .command('connect')
    .description('Connect a bank through Sophtron, answering its security challenges in the terminal.')
    .option('--institution <id-or-name>', 'Sophtron InstitutionID or a name to search for')
    .option('--username <name>', 'bank login name (asked when absent); the password is always asked, hidden')
    .option(
      '--verification',
      'start a verification connection (full account numbers): the bank then asks to choose one account',
    )
    .option('--json', 'print the result as JSON (questions go to stderr)')
    .action(async (flags: ConnectFlags) => {
      const prompter = createPrompter();
      const err = process.stderr;
      try {
        await withCliContext({}, async ({ sophtron, store, family, config }) => {
          try {
            const institution = await pickInstitution(sophtron, prompter, flags.institution);
            err.write(`Connecting to ${institution.name}.\n`);
            const { usernameLabel, passwordLabel } = institution.loginForm;
            const username = flags.username?.trim() || (await prompter.input(`${usernameLabel}:`));
            // UCW: a bank without a password field gets the literal "None".
            const password = passwordLabel === null ? 'None' : await prompter.password(`${passwordLabel}:`);

            const ui = terminalJobUi(prompter, err);
            const result = await connectBank(
              sophtron,
              {
                institutionId: institution.id,
                username,
                password,
                verification: flags.verification === true,
              },
              {
                onChallenge: ui.onChallenge,
                onProgress: ui.onProgress,
                ...jobTiming(config),
              },
            );
            ui.done();
            const accounts: ProviderAccountData[] =
              result.outcome === 'connected' ? await sophtron.listAccounts(result.userInstitutionId) : [];
            await recordConnection(store, family.id, result, institution, accounts, {
              userInstitutionId: result.userInstitutionId,
            });

            if (flags.json) {
              printJson({
                ...result,
                institution: { id: institution.id, name: institution.name },
                accounts,
              });
            } else if (result.outcome === 'connected') {
              process.stdout.write(
                `connected to ${institution.name} (connection ${result.userInstitutionId}): ` +
                  `${accounts.length} account${accounts.length === 1 ? '' : 's'} found\n`,
              );
              printTable(accountRows(accounts), ['id', 'name', 'type', 'number', 'balance', 'currency']);
            }
            const failure = outcomeError(result, result.userInstitutionId);
            if (failure) throw failure;
          } catch (e) {
            throw sophtronCliError(e);
          }
        });
      } finally {
        prompter.close();
      }
    });
}

/**
 * `accounts [--connection ID]`: provider accounts as Sophtron reports them. `accounts` is a command
 * group: listing is its default subcommand, so others can add `accounts link`/`unlink` to it.
 */
import type { Command } from 'commander';
import type { ProviderAccountData } from '../domain/types.js';
import { withCliContext } from './context.js';
import { printJson, printTable } from './output.js';
import { centsToDecimal } from '../money.js';
import { sophtronCliError } from './sophtron-terminal.js';

export function accountRows(accounts: ProviderAccountData[]) {
  return accounts.map((a) => ({
    id: a.accountId,
    name: a.name,
    type: a.type,
    number: a.numberMask,
    balance: centsToDecimal(a.balance),
    available: centsToDecimal(a.availableBalance),
    currency: a.currencyHint,
    connection: a.userInstitutionId,
  }));
}

export function register(program: Command): Command {
  const accounts =
    program.commands.find((c) => c.name() === 'accounts') ??
    program.command('accounts').description('Accounts at Sophtron and in the ledger.');
  accounts
    .command('list', { isDefault: true })
    .description('Provider accounts at Sophtron, of one connection or of all (the default of `accounts`).')
    .option('--connection <id>', 'only this connection (Sophtron UserInstitutionID)')
    .option('--json', 'print JSON')
    .action(async (opts: { connection?: string; json?: boolean }) => {
      await withCliContext({}, async ({ sophtron, store, family }) => {
        try {
          const ids = opts.connection
            ? [opts.connection.trim()]
            : (await sophtron.listConnections()).map((c) => c.userInstitutionId);
          const all: ProviderAccountData[] = [];
          for (const id of ids) all.push(...(await sophtron.listAccounts(id)));
          // Which of them the ledger syncs (linked), from the ledger: no extra Sophtron call.
          const ledger = new Map(
            (await store.listProviderAccounts(family.id)).map((p) => [p.sophtron_account_id, p.account]),
          );
          const linkedTo = (id: string) => {
            const a = ledger.get(id);
            return a ? { id: a.id, name: a.name, kind: a.kind, currency: a.currency } : null;
          };
          if (opts.json) return printJson(all.map((a) => ({ ...a, linked: linkedTo(a.accountId) })));
          if (all.length === 0) {
            process.stdout.write(
              opts.connection ? 'this connection has no accounts yet\n' : 'no accounts yet\n',
            );
            return;
          }
          printTable(
            accountRows(all).map((r) => {
              const l = linkedTo(r.id);
              return { ...r, linked: l ? `${l.name} (${l.kind.replace('_', '-')})` : 'not linked' };
            }),
            ['id', 'name', 'type', 'number', 'balance', 'available', 'currency', 'connection', 'linked'],
          );
        } catch (err) {
          throw sophtronCliError(err);
        }
      });
    });
  return accounts;
}

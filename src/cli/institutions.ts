/** `institutions search <name>`: banks as Sophtron lists them. */
import type { Command } from 'commander';
import { withCliContext } from './context.js';
import { printJson, printTable } from './output.js';
import { sophtronCliError } from './sophtron-terminal.js';

export function register(program: Command): void {
  const institutions = program.command('institutions').description('Banks as Sophtron lists them.');
  institutions
    .command('search <name>')
    .description('Find institutions by name (fuzzy, as Sophtron searches).')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withCliContext({}, async ({ sophtron }) => {
        const found = await sophtron.searchInstitutions(name).catch((err: unknown) => {
          throw sophtronCliError(err);
        });
        if (opts.json) return printJson(found);
        if (found.length === 0) {
          process.stdout.write(`no institution matches ${JSON.stringify(name)}\n`);
          return;
        }
        printTable(
          found.map((i) => ({ id: i.id, name: i.name, country: i.countryCode, url: i.url })),
          ['id', 'name', 'country', 'url'],
        );
      });
    });
}

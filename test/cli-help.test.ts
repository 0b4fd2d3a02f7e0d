/** The command tree: each command loads only its own files, yet help and typos see every command. */
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from './helpers/cli.js';

const TOP_LEVEL = [
  'config',
  'serve',
  'import',
  'institutions',
  'connect',
  'connections',
  'accounts',
  'transactions',
  'sync',
  'unlock',
  'ledger',
  'schedule',
  'notify',
  'export',
  'worker',
  'sandbox',
  'simplefin',
  'db',
];

/** Command names in a help text's "Commands:" section, in order. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('sophtron-sync help', () => {
  it('lists every command, in order, at the top and after `help`', async () => {
    for (const args of [['--help'], ['help']]) {
      const r = await runCliInProcess(args, {});
      expect(r.code).toBe(0);
      expect(commandsIn(r.stdout)).toEqual(TOP_LEVEL);
    }
  });

  it("a command's help has its subcommands from every file that adds to it", async () => {
    const accounts = await runCliInProcess(['accounts', '--help'], {});
    expect(commandsIn(accounts.stdout)).toEqual(['list', 'ledger', 'link', 'update', 'unlink']);
    const config = await runCliInProcess(['config', '--help'], {});
    expect(commandsIn(config.stdout)).toEqual(['show', 'validate']);
  });

  it('a mistyped command is refused with the one meant', async () => {
    const r = await runCliInProcess(['acounts'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'acounts'[\s\S]*Did you mean accounts\?/);
  });
});

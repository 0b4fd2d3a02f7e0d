/**
 * `notify list | add webhook|ntfy|email … | remove ID | test [ID]`: where failure, "needs
 * attention" and recovery messages go. Secret values can be given as `env:NAME` (read from the
 * environment variable NAME) so they stay out of shell history and process lists.
 */
import type { Command } from 'commander';
import { channelsRepository, ChannelError } from '../scheduler/notifications/channels.js';
import { createNotifier } from '../scheduler/notifications/notifier.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson, printTable } from './output.js';

/** `env:NAME` → the value of NAME; anything else as given. */
export function secretValue(value: string | undefined, flag: string): string | undefined {
  if (value === undefined || !value.startsWith('env:')) return value;
  const name = value.slice(4);
  const v = process.env[name];
  if (!v) throw new CliError(`${flag}: environment variable ${name} is not set`);
  return v;
}

const collect = (value: string, previous: string[]) => [...previous, value];

interface AddOptions {
  name?: string;
  url?: string;
  header: string[];
  token?: string;
  host?: string;
  port?: string;
  security?: string;
  user?: string;
  password?: string;
  from?: string;
  to: string[];
  onSuccess?: boolean;
}

function channelConfig(kind: string, o: AddOptions): unknown {
  switch (kind) {
    case 'webhook': {
      const headers: Record<string, string> = {};
      for (const h of o.header) {
        const i = h.indexOf(':');
        if (i < 1) throw new CliError(`--header: "Name: value", not "${h.split(':')[0]}…"`);
        headers[h.slice(0, i).trim()] = secretValue(h.slice(i + 1).trim(), '--header')!;
      }
      return { kind, url: secretValue(o.url, '--url'), headers };
    }
    case 'ntfy':
      return { kind, url: secretValue(o.url, '--url'), token: secretValue(o.token, '--token') };
    case 'email':
      return {
        kind,
        host: o.host,
        port: o.port,
        security: o.security,
        user: o.user,
        password: secretValue(o.password, '--password'),
        from: o.from,
        to: o.to
          .flatMap((t) => t.split(','))
          .map((t) => t.trim())
          .filter(Boolean),
      };
    default:
      throw new CliError(`kind: webhook, ntfy or email, not "${kind}"`);
  }
}

export function register(program: Command): void {
  const notify = program.command('notify').description('Notification channels: webhook, ntfy, e-mail.');

  notify
    .command('list', { isDefault: true })
    .description('The family’s channels (secrets are never shown).')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      withCliContext({}, async ({ store, family }) => {
        const list = await channelsRepository(store).listChannels(family.id);
        if (opts.json) return printJson(list);
        if (list.length === 0)
          return void process.stdout.write(
            'no notification channels yet (see: sophtron-sync notify add --help)\n',
          );
        printTable(
          list.map((c) => ({
            ...c,
            enabled: c.enabled ? 'yes' : 'no',
            onSuccess: c.onSuccess ? 'yes' : 'no',
          })),
          ['id', 'kind', 'name', 'target', 'enabled', 'onSuccess'],
        );
      }),
    );

  notify
    .command('add')
    .description('Add a channel. Secret values may be given as env:NAME.')
    .argument('<kind>', 'webhook, ntfy or email')
    .option('--name <name>', 'a name for the channel (default: the kind)')
    .option(
      '--url <url>',
      'webhook: the URL to POST JSON to; ntfy: the topic URL (e.g. https://ntfy.sh/my-topic)',
    )
    .option(
      '--header <header>',
      'webhook: an extra header "Name: value" (repeatable)',
      collect,
      [] as string[],
    )
    .option('--token <token>', 'ntfy: access token')
    .option('--host <host>', 'email: SMTP server')
    .option('--port <port>', 'email: SMTP port (587)')
    .option('--security <mode>', 'email: starttls (default), tls or none')
    .option('--user <user>', 'email: SMTP user')
    .option('--password <password>', 'email: SMTP password (better: env:NAME)')
    .option('--from <address>', 'email: sender address')
    .option('--to <address>', 'email: recipient (repeatable or comma-separated)', collect, [] as string[])
    .option('--on-success', 'also send a message after every successful scheduled sync')
    .action(async (kind: string, opts: AddOptions) =>
      withCliContext({}, async ({ store, family, config }) => {
        try {
          const c = await channelsRepository(store, {
            allowLinkLocal: config.notifyAllowLinkLocal,
          }).addChannel(family.id, {
            name: opts.name ?? kind,
            onSuccess: !!opts.onSuccess,
            config: channelConfig(kind, opts),
          });
          process.stdout.write(`added ${c.kind} channel "${c.name}" (${c.id}) → ${c.target}\n`);
        } catch (err) {
          if (err instanceof ChannelError) throw new CliError(err.message);
          throw err;
        }
      }),
    );

  notify
    .command('remove')
    .description('Remove a channel.')
    .argument('<id>')
    .action(async (id: string) =>
      withCliContext({}, async ({ store, family }) => {
        if (!(await channelsRepository(store).removeChannel(family.id, id))) {
          throw new CliError(`no channel ${id} (see: sophtron-sync notify list)`);
        }
        process.stdout.write(`removed ${id}\n`);
      }),
    );

  notify
    .command('test')
    .description('Send a test message to every channel (or the given one).')
    .argument('[id]')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, opts: { json?: boolean }) =>
      withCliContext({}, async ({ store, family, logger, config }) => {
        const results = await createNotifier({
          store,
          log: logger,
          allowLinkLocal: config.notifyAllowLinkLocal,
        }).test(family.id, id ? [id] : undefined);
        if (opts.json) printJson(results);
        else if (results.length === 0)
          throw new CliError(
            id ? `no channel ${id}` : 'no notification channels yet (see: sophtron-sync notify add --help)',
          );
        else
          for (const r of results)
            process.stdout.write(`${r.ok ? 'sent' : 'FAILED'}  ${r.name}${r.error ? `: ${r.error}` : ''}\n`);
        if (results.some((r) => !r.ok)) process.exitCode = 1;
      }),
    );
}

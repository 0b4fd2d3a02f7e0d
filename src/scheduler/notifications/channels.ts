/**
 * Notification channels of a family: a webhook (JSON POST), ntfy (POST to a topic URL) or e-mail
 * (SMTP). Everything that grants access sits in the sealed part: webhook and ntfy URLs (a Discord
 * or ntfy.sh topic URL is itself the password), auth headers, tokens, the SMTP password. The open
 * part holds only what a page may show.
 */
import { z } from 'zod';
import type { NotificationChannelRecord, Store } from '../../store/index.js';
import { hostProblem, urlProblem } from './target-guard.js';

const httpUrl = z
  .string()
  .trim()
  .url('must be a URL')
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http(s) URL');

const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and dashes');

export const webhookInput = z.object({
  kind: z.literal('webhook'),
  url: httpUrl,
  headers: z
    .record(headerName, z.string().regex(/^[^\r\n]*$/, 'no line breaks in header values'))
    .default({}),
});
export const ntfyInput = z.object({
  kind: z.literal('ntfy'),
  url: httpUrl,
  token: z.string().trim().min(1).optional(),
});
export const emailInput = z.object({
  kind: z.literal('email'),
  host: z.string().trim().min(1, 'SMTP host is required'),
  port: z.coerce.number().int().min(1).max(65535).default(587),
  security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  user: z.string().trim().min(1).optional(),
  password: z.string().min(1).optional(),
  from: z.string().trim().email('from must be an e-mail address'),
  to: z.array(z.string().trim().email('to must be e-mail addresses')).min(1, 'at least one recipient'),
});

export const channelInput = z.discriminatedUnion('kind', [webhookInput, ntfyInput, emailInput]);
export type ChannelInput = z.input<typeof channelInput>;
export type ChannelConfig = z.output<typeof channelInput>;

export interface ChannelSummary {
  id: string;
  kind: NotificationChannelRecord['kind'];
  name: string;
  enabled: boolean;
  onSuccess: boolean;
  /** Safe to show: the host of a URL, the SMTP server and recipients. */
  target: string;
}

export interface Channel extends ChannelSummary {
  familyId: string;
  config: ChannelConfig;
}

/** Splits a channel's settings into what may be shown and what is sealed. */
function split(config: ChannelConfig): { open: Record<string, unknown>; secret: Record<string, unknown> } {
  switch (config.kind) {
    case 'webhook':
      return {
        open: { target: new URL(config.url).host },
        secret: { url: config.url, headers: config.headers },
      };
    case 'ntfy':
      return { open: { target: new URL(config.url).host }, secret: { url: config.url, token: config.token } };
    case 'email': {
      const { password, ...rest } = config;
      return {
        open: { ...rest, target: `${config.to.join(', ')} via ${config.host}:${config.port}` },
        secret: { password },
      };
    }
  }
}

export class ChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** Parses channel input, naming the field on error. */
export function parseChannelInput(input: unknown): ChannelConfig {
  const parsed = channelInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChannelError(`${issue.path.join('.') || 'channel'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A family's channels as the notifier and the pages use them: checked on the way in, parsed on the way out. */
export function channelsRepository(
  store: Pick<
    Store,
    | 'addNotificationChannel'
    | 'notificationChannels'
    | 'updateNotificationChannel'
    | 'removeNotificationChannel'
  >,
  /** NOTIFY_ALLOW_LINK_LOCAL: accept URLs whose host is a link-local or metadata address. */
  options: { allowLinkLocal?: boolean } = {},
) {
  const toChannel = (record: NotificationChannelRecord): Channel => {
    const secret = record.secret();
    const { target, ...rest } = record.settings;
    return {
      id: record.id,
      familyId: record.familyId,
      kind: record.kind,
      name: record.name,
      enabled: record.enabled,
      onSuccess: record.onSuccess,
      target: String(target ?? ''),
      config: parseChannelInput({ ...rest, ...secret, kind: record.kind }),
    };
  };

  return {
    async addChannel(
      familyId: string,
      input: { name: string; onSuccess?: boolean; enabled?: boolean; config: unknown },
      now: Date = new Date(),
    ): Promise<ChannelSummary> {
      const config = parseChannelInput(input.config);
      if (!options.allowLinkLocal) {
        const problem = config.kind === 'email' ? hostProblem(config.host) : urlProblem(config.url);
        if (problem) throw new ChannelError(`${config.kind === 'email' ? 'host' : 'url'}: ${problem}`);
      }
      const name = input.name.trim();
      if (!name) throw new ChannelError('name: a channel needs a name');
      const { open, secret } = split(config);
      const id = await store.addNotificationChannel(
        familyId,
        {
          kind: config.kind,
          name,
          enabled: input.enabled !== false,
          onSuccess: !!input.onSuccess,
          settings: open,
          secret,
        },
        now,
      );
      return {
        id,
        kind: config.kind,
        name,
        enabled: input.enabled !== false,
        onSuccess: !!input.onSuccess,
        target: String(open.target),
      };
    },

    async listChannels(familyId: string): Promise<ChannelSummary[]> {
      return (await store.notificationChannels(familyId)).map((r) => ({
        id: r.id,
        kind: r.kind,
        name: r.name,
        enabled: r.enabled,
        onSuccess: r.onSuccess,
        target: String(r.settings.target ?? ''),
      }));
    },

    /**
     * Channels with their secrets opened, for sending only. A channel whose secret cannot be
     * opened (the secret key changed) is reported to `onBroken` and left out, never thrown: one
     * broken channel must not silence the others.
     */
    async loadChannels(
      familyId: string,
      ids?: string[],
      onBroken?: (channel: { id: string; name: string }, error: string) => void,
    ): Promise<Channel[]> {
      const out: Channel[] = [];
      for (const record of await store.notificationChannels(familyId, ids)) {
        try {
          out.push(toChannel(record));
        } catch (err) {
          onBroken?.({ id: record.id, name: record.name }, err instanceof Error ? err.message : String(err));
        }
      }
      return out;
    },

    updateChannel: store.updateNotificationChannel,
    removeChannel: store.removeNotificationChannel,
  };
}

export type ChannelsRepository = ReturnType<typeof channelsRepository>;

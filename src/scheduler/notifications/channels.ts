/**
 * Notification channels of a family: a webhook (JSON POST), ntfy (POST to a topic URL) or e-mail
 * (SMTP). Everything that grants access sits in the sealed part: webhook and ntfy URLs (a Discord
 * or ntfy.sh topic URL is itself the password), auth headers, tokens, the SMTP password. The open
 * part holds only what a page may show.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { SecretBox } from '../../store/secret-box.js';
import type { Database, NotificationChannelKind, NotificationChannelsTable } from '../../store/schema.js';
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
  kind: NotificationChannelKind;
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

const aad = (familyId: string, id: string) => `notification_channel:${familyId}:${id}`;

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

export function channelsRepository(
  db: Kysely<Database>,
  secrets: SecretBox,
  /** NOTIFY_ALLOW_LINK_LOCAL: accept URLs whose host is a link-local or metadata address. */
  options: { allowLinkLocal?: boolean } = {},
) {
  const toChannel = (row: Selectable<NotificationChannelsTable>): Channel => {
    const open = JSON.parse(row.settings) as Record<string, unknown>;
    const secret = row.secret_sealed
      ? (JSON.parse(secrets.open(row.secret_sealed, aad(row.family_id, row.id))) as Record<string, unknown>)
      : {};
    const { target, ...rest } = open;
    return {
      id: row.id,
      familyId: row.family_id,
      kind: row.kind,
      name: row.name,
      enabled: row.enabled === 1,
      onSuccess: row.on_success === 1,
      target: String(target ?? ''),
      config: parseChannelInput({ ...rest, ...secret, kind: row.kind }),
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
      const id = randomUUID();
      const { open, secret } = split(config);
      await db
        .insertInto('notification_channels')
        .values({
          id,
          family_id: familyId,
          kind: config.kind,
          name,
          enabled: input.enabled === false ? 0 : 1,
          on_success: input.onSuccess ? 1 : 0,
          settings: JSON.stringify(open),
          secret_sealed: secrets.seal(JSON.stringify(secret), aad(familyId, id)),
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .execute();
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
      const rows = await db
        .selectFrom('notification_channels')
        .selectAll()
        .where('family_id', '=', familyId)
        .orderBy('created_at')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        name: r.name,
        enabled: r.enabled === 1,
        onSuccess: r.on_success === 1,
        target: String((JSON.parse(r.settings) as { target?: unknown }).target ?? ''),
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
      let q = db
        .selectFrom('notification_channels')
        .selectAll()
        .where('family_id', '=', familyId)
        .orderBy('created_at');
      if (ids?.length) q = q.where('id', 'in', ids);
      const out: Channel[] = [];
      for (const row of await q.execute()) {
        try {
          out.push(toChannel(row));
        } catch (err) {
          onBroken?.({ id: row.id, name: row.name }, err instanceof Error ? err.message : String(err));
        }
      }
      return out;
    },

    async updateChannel(
      familyId: string,
      id: string,
      patch: { enabled?: boolean; onSuccess?: boolean; name?: string },
      now: Date = new Date(),
    ): Promise<boolean> {
      const r = await db
        .updateTable('notification_channels')
        .set({
          ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
          ...(patch.onSuccess === undefined ? {} : { on_success: patch.onSuccess ? 1 : 0 }),
          ...(patch.name === undefined ? {} : { name: patch.name.trim() }),
          updated_at: now.toISOString(),
        })
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async removeChannel(familyId: string, id: string): Promise<boolean> {
      const r = await db
        .deleteFrom('notification_channels')
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type ChannelsRepository = ReturnType<typeof channelsRepository>;

/**
 * Sends one message through one channel. Errors name the channel's host, never its URL (the URL
 * may carry a token), and never a header value or password.
 */
import nodemailer from 'nodemailer';
import type { Channel } from './channels.js';
import { NTFY_STYLE, type NotificationMessage } from './message.js';
import { assertAllowedTarget, TargetRefusedError, type Lookup } from './target-guard.js';

export interface SendOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** NOTIFY_ALLOW_LINK_LOCAL: let webhooks and ntfy reach link-local and metadata addresses. */
  allowLinkLocal?: boolean;
  /** Name resolution for the address check (tests). */
  lookup?: Lookup;
}

export class SendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendError';
  }
}

/** HTTP header values are bytes: non-ASCII titles go as RFC 2047 encoded words, which ntfy decodes. */
export function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** Refuses link-local and metadata targets (target-guard.ts) unless the instance allows them. */
async function guard(target: string, options: SendOptions): Promise<void> {
  if (options.allowLinkLocal) return;
  try {
    await assertAllowedTarget(target, options.lookup);
  } catch (err) {
    if (err instanceof TargetRefusedError) throw new SendError(`refused to call ${err.message}`);
    throw err;
  }
}

async function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  options: SendOptions,
): Promise<void> {
  const host = new URL(url).host;
  await guard(url, options);
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const cause =
      err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.name) : 'error';
    throw new SendError(`could not reach ${host} (${cause})`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new SendError(`${host} answered HTTP ${res.status}`);
}

export async function sendToChannel(
  channel: Channel,
  message: NotificationMessage,
  options: SendOptions = {},
): Promise<void> {
  const config = channel.config;
  switch (config.kind) {
    case 'webhook': {
      const body = {
        event: message.event,
        title: message.title,
        message: message.body,
        family: { id: message.familyId, name: message.familyName },
        subject: message.subject,
        occurred_at: message.occurredAt,
        source: 'sophtron-sync',
      };
      await post(
        config.url,
        { headers: { ...config.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) },
        options,
      );
      return;
    }
    case 'ntfy': {
      const style = NTFY_STYLE[message.event];
      const headers: Record<string, string> = {
        Title: headerText(message.title),
        Priority: String(style.priority),
        Tags: style.tags.join(','),
        'content-type': 'text/plain; charset=utf-8',
      };
      if (config.token) headers.Authorization = `Bearer ${config.token}`;
      await post(config.url, { headers, body: message.body }, options);
      return;
    }
    case 'email': {
      await guard(config.host, options);
      const transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.security === 'tls',
        requireTLS: config.security === 'starttls',
        ignoreTLS: config.security === 'none',
        auth: config.user ? { user: config.user, pass: config.password ?? '' } : undefined,
        connectionTimeout: options.timeoutMs ?? 15_000,
        greetingTimeout: options.timeoutMs ?? 15_000,
        socketTimeout: options.timeoutMs ?? 15_000,
      });
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: message.title,
          text: `${message.body}\n\n— Sophtron Sync (${message.familyName})`,
        });
      } catch (err) {
        // nodemailer's own messages can echo the server's reply, never our password
        const code =
          (err as { code?: string; responseCode?: number }).responseCode ?? (err as { code?: string }).code;
        throw new SendError(`e-mail through ${config.host}:${config.port} failed (${code ?? 'error'})`);
      } finally {
        transport.close();
      }
      return;
    }
  }
}

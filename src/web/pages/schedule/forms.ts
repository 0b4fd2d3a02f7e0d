/** The Schedule page's forms: the schedule (daily, every N hours, or cron) and a notification channel. */
import { z } from 'zod';
import { ChannelError } from '../../../scheduler/notifications/channels.js';
import { cronOf } from '../../../scheduler/when.js';

const checkbox = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => v !== undefined);

export const scheduleForm = z.object({
  /** daily at a time, every N hours, or cron (advanced); a form without it sends cron (older pages). */
  mode: z.enum(['daily', 'hours', 'cron']).optional(),
  time: z.string().trim().max(5).optional().default(''),
  every: z.string().trim().max(3).optional().default(''),
  cron: z.string().trim().max(100).optional().default(''),
  enabled: checkbox,
  budget: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^\d+$/.test(v), 'must be a whole number of calls')
    .transform((v) => (v ? Number(v) : null))
    .refine((v) => v === null || v >= 1, 'must be at least 1'),
});

/** The cron expression the posted schedule stands for; throws (with a message for the page) when invalid. */
export function cronOfForm(f: z.output<typeof scheduleForm>): string {
  return cronOf(
    f.mode === 'daily'
      ? { mode: 'daily', time: f.time }
      : f.mode === 'hours'
        ? { mode: 'hours', every: Number(f.every), minute: 0 }
        : { mode: 'cron', cron: f.cron },
  );
}

export const channelForm = z.object({
  kind: z.enum(['webhook', 'ntfy', 'email']),
  name: z.string().trim().min(1, 'is required').max(100),
  url: z.string().trim().optional(),
  header: z.string().trim().optional(),
  token: z.string().trim().optional(),
  host: z.string().trim().optional(),
  port: z.string().trim().optional(),
  security: z.string().trim().optional(),
  user: z.string().trim().optional(),
  password: z.string().optional(),
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
  on_success: checkbox,
});

const blank = (v: string | undefined) => (v ? v : undefined);

/** The posted channel as the configuration the channels repository checks and stores. */
export function channelConfig(f: z.output<typeof channelForm>): unknown {
  if (f.kind === 'webhook') {
    const headers: Record<string, string> = {};
    if (f.header) {
      const i = f.header.indexOf(':');
      if (i < 1) throw new ChannelError('Header: write it as "Name: value"');
      headers[f.header.slice(0, i).trim()] = f.header.slice(i + 1).trim();
    }
    return { kind: 'webhook', url: f.url, headers };
  }
  if (f.kind === 'ntfy') return { kind: 'ntfy', url: f.url, token: blank(f.token) };
  return {
    kind: 'email',
    host: f.host,
    port: blank(f.port),
    security: blank(f.security),
    user: blank(f.user),
    password: blank(f.password),
    from: f.from,
    to: (f.to ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
}

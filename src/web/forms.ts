/** Parsing of posted forms with zod; errors name the field as the form labels it. */
import { z } from 'zod';
import type { Ctx } from './context.js';

export async function formData(c: Ctx): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

export type FormResult<T> = { ok: true; data: T } | { ok: false; error: string };

export function parseForm<S extends z.ZodTypeAny>(
  schema: S,
  data: unknown,
  labels: Record<string, string> = {},
): FormResult<z.output<S>> {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  return { ok: false, error: `${labels[field] ?? field}: ${issue.message}` };
}

export const text = (max = 200) =>
  z.string().trim().min(1, 'is required').max(max, `is longer than ${max} characters`);

export function clientIp(c: Ctx): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

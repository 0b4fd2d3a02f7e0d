/** Parsing of posted forms with zod; errors name the field as the form labels it. */
import { z } from 'zod';
import { isCalendarDate } from '../dates.js';
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

/** A real calendar day as YYYY-MM-DD (2026-13-45 and 2026-02-30 are refused, naming the value). */
export const calendarDate = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    if (!isCalendarDate(v))
      ctx.addIssue({
        code: 'custom',
        message: `must be a date YYYY-MM-DD that exists (got ${JSON.stringify(v)})`,
      });
  });

/** A from–to pair the wrong way round names `from` (an empty list would hide the mistake). */
export function fromNotAfterTo(
  v: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (v.from && v.to && v.from > v.to)
    ctx.addIssue({ code: 'custom', path: ['from'], message: `${v.from} is after to (${v.to})` });
}

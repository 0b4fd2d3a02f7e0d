/** Shared request/response plumbing of the Sophtron surface (ASP.NET Web API look-alike). */
import { z } from 'zod';
import type { SandboxState } from './state.js';

export interface Ctx {
  state: SandboxState;
  userId: string;
  method: string;
  /** JSON body with lower-cased keys (ASP.NET binds case-insensitively). */
  body: Record<string, unknown>;
  /** Query parameters with lower-cased names. */
  query: Map<string, string>;
  /** Path segments captured by the route. */
  params: string[];
  pollsPerStep: number;
  /** A timed job step also ends after this long (0: polls only). */
  jobStepMs: number;
}

/** A handler answers with a value to serialise, or a ready JSON text (the cached hot path). */
export type Result = { status: number; json?: unknown; raw?: Uint8Array; empty?: boolean };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'Message' in body ? String(body.Message) : `HTTP ${status}`);
  }
}

export const ok = (json: unknown): Result => ({ status: 200, json });
export const raw = (bytes: Uint8Array): Result => ({ status: 200, raw: bytes });
export const empty = (): Result => ({ status: 200, empty: true });
export const notFound = (what: string): HttpError => new HttpError(404, { Message: `${what} not found.` });

export const unauthorizedBody = { Message: 'Authorization has been denied for this request.' };

export function lowerKeys(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.toLowerCase()] = v;
  return out;
}

const text = z.string().trim().min(1);

/** A required body field, parsed with zod; a bad value is a 400 naming the field, like ModelState. */
export function field<T = string>(
  ctx: Ctx,
  name: string,
  schema: z.ZodType<T> = text as unknown as z.ZodType<T>,
): T {
  const parsed = schema.safeParse(ctx.body[name.toLowerCase()]);
  if (parsed.success) return parsed.data;
  const message =
    ctx.body[name.toLowerCase()] === undefined || ctx.body[name.toLowerCase()] === null
      ? `The ${name} field is required.`
      : `The value of ${name} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}.`;
  throw new HttpError(400, {
    Message: 'The request is invalid.',
    ModelState: { [`request.${name}`]: [message] },
  });
}

export function optionalText(ctx: Ctx, name: string): string | null {
  const v = ctx.body[name.toLowerCase()];
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : String(v);
}

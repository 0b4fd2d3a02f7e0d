/**
 * A body that says it is JSON (or any body sent to /api, which only speaks JSON) must parse, or
 * the request is refused with 400 before any route runs: a broken body never reads as "no body"
 * (which for POST /api/sync would mean "sync everything").
 */
import type { MiddlewareHandler } from 'hono';
import { isSafeMethod } from './auth/csrf.js';
import type { WebEnv } from './context.js';

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

export const refuseUnparsableJson: MiddlewareHandler<WebEnv> = async (c, next) => {
  // /autoimport checks its secret first and then parses the body itself (400 "not JSON"):
  // a caller without the secret learns nothing from a body.
  if (isSafeMethod(c.req.method) || c.req.path === '/autoimport') return next();
  const declared = JSON_TYPE.test(c.req.header('content-type') ?? '');
  if (!declared && !c.req.path.startsWith('/api/')) return next();
  // Hono keeps the text: the route reads the same body again.
  const text = await c.req.text();
  if (text.trim() === '') return next();
  try {
    JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return c.json({ error: `body: not valid JSON (${why.slice(0, 120)})` }, 400);
  }
  return next();
};

/** The request's JSON body, or undefined when there is none (refuseUnparsableJson ran before). */
export async function jsonBody(c: { req: { text(): Promise<string> } }): Promise<unknown> {
  const text = await c.req.text();
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * Sophtron "Direct Auth" signing (the vendor's own recipe, variant A).
 * Pure functions: the client signs with them and the sandbox verifies with them.
 */
import { createHmac } from 'node:crypto';

/**
 * The signed part of a URL: from the last `/` to the end, lower-cased. A plain lastIndexOf, so a
 * query that follows the last segment is included (Sophtron's samples do exactly this).
 */
export function authPath(url: string): string {
  const i = url.lastIndexOf('/');
  return (i < 0 ? `/${url}` : url.slice(i)).toLowerCase();
}

export { isValidAccessKey } from '../domain/access-key.js';

/** base64(HMAC-SHA256(base64decode(accessKey), METHOD + "\n" + authPath)). */
export function signature(method: string, path: string, accessKey: string): string {
  const key = Buffer.from(accessKey.trim(), 'base64');
  return createHmac('sha256', key).update(`${method.toUpperCase()}\n${path}`, 'utf8').digest('base64');
}

/** The full `Authorization` header value for a request. */
export function sign(method: string, url: string, userId: string, accessKey: string): string {
  const path = authPath(url);
  return `FIApiAUTH:${userId}:${signature(method, path, accessKey)}:${path}`;
}

/** Splits an Authorization header (limit 4: the AuthPath may contain ':'); null when malformed. */
export function parseAuthHeader(
  header: string,
): { userId: string; signature: string; authPath: string } | null {
  const prefix = 'FIApiAUTH:';
  if (!header.startsWith(prefix)) return null;
  const rest = header.slice(prefix.length);
  const a = rest.indexOf(':');
  const b = a < 0 ? -1 : rest.indexOf(':', a + 1);
  if (a <= 0 || b < 0) return null;
  const path = rest.slice(b + 1);
  if (!path.startsWith('/')) return null;
  return { userId: rest.slice(0, a), signature: rest.slice(a + 1, b), authPath: path };
}

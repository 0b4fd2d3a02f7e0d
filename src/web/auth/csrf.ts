/**
 * CSRF defence for every state change: the request must come from our own origin (Origin or
 * Referer header when the browser sends one) and carry the session's synchronizer token, in the
 * `_csrf` form field or the `x-csrf-token` header (htmx sends it through `hx-headers`).
 * Before login (setup and login forms) the token is a double-submit cookie.
 */
import type { Context } from 'hono';
import { safeEqual } from './tokens.js';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';
export const PRE_SESSION_COOKIE = 'ss_csrf';

export const isSafeMethod = (method: string): boolean => ['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The origin the request was addressed to (PUBLIC_URL when set; else the Host header, checked by hosts.ts). */
export function expectedOrigin(c: Context, publicUrl: string | undefined, secure: boolean): string {
  if (publicUrl) return new URL(publicUrl).origin;
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  return `${secure ? 'https' : 'http'}://${host}`;
}

/**
 * Whether the browser says the request came from one of our own pages: `accept` judges the Origin
 * (or the Referer's origin when a browser sends no Origin).
 */
export function originAllowed(c: Context, accept: (origin: string) => boolean): boolean {
  const origin = c.req.header('origin');
  if (origin) return accept(origin);
  const referer = c.req.header('referer');
  if (referer) {
    try {
      return accept(new URL(referer).origin);
    } catch {
      return false;
    }
  }
  // Neither header: not a browser form post from another site (browsers send Origin on POST).
  return true;
}

/** The token the request carries (header first, then a form field of a urlencoded/multipart body). */
export async function submittedToken(c: Context): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    try {
      const body = await c.req.parseBody();
      const v = body[CSRF_FIELD];
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export const tokenMatches = (expected: string | undefined, given: string | undefined): boolean =>
  !!expected && !!given && safeEqual(expected, given);

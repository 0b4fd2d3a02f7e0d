import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';

/** httpOnly, SameSite=Lax, Path=/, and Secure when the app is reached over https. */
export function setCookieSecure(
  c: Context,
  name: string,
  value: string,
  opts: { maxAge?: number } = {},
): void {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: c.get('secure') === true,
    ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {}),
  });
}

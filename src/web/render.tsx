/** Renders a full page inside the layout with the request's user, CSRF token and sandbox banner. */
import type { Child } from 'hono/jsx';
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from './auth/tokens.js';
import type { Ctx } from './context.js';
import { Layout, type LayoutProps } from './layout.js';

export function page(
  c: Ctx,
  title: string,
  body: Child,
  opts: { flash?: LayoutProps['flash']; status?: 200 | 400 | 403 | 404 | 409 | 422 | 429 } = {},
) {
  return c.html(
    <Layout
      title={title}
      user={c.var.session?.user ?? null}
      csrf={c.var.csrf}
      sandbox={c.var.sandboxMode}
      flash={opts.flash ?? null}
      path={c.req.path}
    >
      {body}
    </Layout>,
    opts.status ?? 200,
  );
}

/**
 * A one-line message carried through a redirect in the query string (`?ok=` / `?error=`), signed
 * with a key of this process so a link from elsewhere cannot put its own words on our pages.
 */
const FLASH_KEY = randomBytes(32);
const flashSig = (kind: string, text: string) =>
  createHmac('sha256', FLASH_KEY).update(`${kind}\n${text}`).digest('base64url').slice(0, 22);

export function flashFrom(c: Ctx): LayoutProps['flash'] {
  const sig = c.req.query('fs') ?? '';
  for (const kind of ['error', 'ok'] as const) {
    const text = c.req.query(kind);
    if (text && safeEqual(sig, flashSig(kind, text))) return { kind, text: text.slice(0, 300) };
  }
  return null;
}

export const withFlash = (path: string, kind: 'ok' | 'error', text: string): string =>
  `${path}${path.includes('?') ? '&' : '?'}${kind}=${encodeURIComponent(text)}&fs=${flashSig(kind, text)}`;

/** A page with one sentence and a way back (refusals, not found). */
export const messagePage = (c: Ctx, title: string, text: string, status: 400 | 403 | 404 | 409 | 429) =>
  page(
    c,
    title,
    <p>
      {text} <a href="/">Back to the dashboard</a>.
    </p>,
    { status },
  );

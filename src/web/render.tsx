/** Renders a full page inside the layout with the request's user, CSRF token and sandbox banner. */
import type { Child } from 'hono/jsx';
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
    >
      {body}
    </Layout>,
    opts.status ?? 200,
  );
}

/** Plain-text flash carried through a redirect in the query string (`?ok=` / `?error=`). */
export function flashFrom(c: Ctx): LayoutProps['flash'] {
  const ok = c.req.query('ok');
  const error = c.req.query('error');
  if (error) return { kind: 'error', text: error.slice(0, 300) };
  if (ok) return { kind: 'ok', text: ok.slice(0, 300) };
  return null;
}

export const withFlash = (path: string, kind: 'ok' | 'error', text: string): string =>
  `${path}${path.includes('?') ? '&' : '?'}${kind}=${encodeURIComponent(text)}`;

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

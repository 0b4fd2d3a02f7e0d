/** The page frame: head, navigation, sandbox banner, flash message. No inline script (CSP). */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { SessionUser } from './auth/sessions.js';
import { CSRF_FIELD, CSRF_HEADER } from './auth/csrf.js';

export const SANDBOX_NOTICE =
  'Sandbox mode: no Sophtron credentials are set; you are connected to the built-in Sophtron sandbox. Test bank: Sophtron Bank, asdfg12X / asdfg12X';

export interface LayoutProps {
  title: string;
  user?: SessionUser | null;
  csrf: string;
  sandbox?: boolean;
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  /** The request's path: its menu entry is marked as the current page. */
  path?: string;
  children?: Child;
}

const isCurrent = (href: string, path: string | undefined): boolean =>
  path !== undefined &&
  (href === '/'
    ? path === '/'
    : path === href ||
      path.startsWith(`${href}/`) ||
      // Other families are reached from the Family page: one menu entry for both.
      (href === '/family' && path.startsWith('/admin/families')));

/** Links of the main navigation; the scheduler's page is "Schedule". */
export const NAV: { href: string; label: string }[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/connect', label: 'Connect a bank' },
  { href: '/import', label: 'Import to Firefly III' },
  { href: '/sync/history', label: 'Sync history' },
  { href: '/schedule', label: 'Schedule' },
  { href: '/settings', label: 'Settings' },
  { href: '/family', label: 'Family' },
  { href: '/tokens', label: 'API tokens' },
  { href: '/simplefin-tokens', label: 'SimpleFIN' },
];

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

export function Layout(props: LayoutProps) {
  const htmxHeaders = JSON.stringify({ [CSRF_HEADER]: props.csrf });
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {/* htmx must not inject inline styles or evaluate code: both are forbidden by our CSP. */}
          <meta
            name="htmx-config"
            content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'
          />
          <title>{props.title} · Sophtron Sync</title>
          <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/assets/app.css" />
          <script src="/assets/htmx.min.js" defer></script>
          <script src="/assets/app.js" defer></script>
        </head>
        <body hx-headers={htmxHeaders}>
          {/* Keyboard users jump over the menu's ten links. */}
          <a href="#main" class="skip">
            Skip to the content
          </a>
          <header class="top">
            <a href="/" class="brand">
              Sophtron Sync
            </a>
            {props.user && (
              <details class="menu" open>
                <summary>Menu</summary>
                <nav aria-label="Main">
                  <ul>
                    {NAV.map((n) => (
                      <li>
                        <a href={n.href} aria-current={isCurrent(n.href, props.path) ? 'page' : undefined}>
                          {n.label}
                        </a>
                      </li>
                    ))}
                    <li>
                      <form method="post" action="/logout" class="inline">
                        <CsrfField token={props.csrf} />
                        <button type="submit" class="link">
                          Log out ({props.user.username})
                        </button>
                      </form>
                    </li>
                  </ul>
                </nav>
              </details>
            )}
          </header>
          {props.sandbox && (
            <p class="banner sandbox" role="status">
              {SANDBOX_NOTICE}
            </p>
          )}
          <main id="main" tabindex={-1}>
            {props.flash && (
              <p class={`flash ${props.flash.kind}`} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
                {props.flash.text}
              </p>
            )}
            <h1 id="page-title">{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/**
 * The Sophtron address a client may talk to. Users paste it in many forms ("…/api", "…/api/",
 * "…/api/v2", no "/api"): all become one base ending in "/api" (as Sure's normalize_base_url does).
 * Plain http is refused except for loopback hosts (the sandbox), so a key is never sent in clear text.
 * A domain rule, not client code: settings check it at start, the client before it sends.
 */
export const DEFAULT_BASE_URL = 'https://api.sophtron.com/api';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Normalised base ("https://host[:port]/api", no trailing slash), or the problem as text
 * ("must use https://…") for the caller to name its setting with.
 */
export function parseBaseUrl(input: string | undefined | null): { url: string } | { problem: string } {
  const raw = (input ?? '').trim() || DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `is not a web address: ${JSON.stringify(raw)}` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: `must start with https:// (got ${url.protocol})` };
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return { problem: 'must use https:// (plain http is only allowed for 127.0.0.1, ::1 and localhost)' };
  }
  if (url.username || url.password) return { problem: 'must not contain a user name or password' };
  if (url.search || url.hash) return { problem: 'must not contain a query (?) or fragment (#)' };
  let path = url.pathname.replace(/\/+$/, '');
  path = path.replace(/\/v[123]$/i, '');
  if (!/\/api$/i.test(path)) path = `${path}/api`;
  return { url: `${url.origin}${path}` };
}

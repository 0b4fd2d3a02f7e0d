/**
 * The names this server answers to, against DNS rebinding: a page on attacker.example whose name
 * is made to resolve to 127.0.0.1 reaches the server with `Host: attacker.example`, so any other
 * Host is refused (421). Accepted: localhost and loopback addresses, the HOST address, PUBLIC_URL's
 * host, ALLOWED_HOSTS; and when the server listens on every address (0.0.0.0, ::), any IP
 * address, since a literal address cannot be rebound. Ports are not compared (a proxy or a
 * container maps them).
 */
import { isIP } from 'node:net';
import type { Config } from '../../config.js';

export interface HostPolicy {
  names: ReadonlySet<string>;
  /** ALLOWED_HOSTS entries with a leading dot: the domain and its sub-domains. */
  suffixes: readonly string[];
  anyAddress: boolean;
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);
const bare = (hostname: string) => hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');

export function hostPolicy(config: Pick<Config, 'host' | 'publicUrl' | 'allowedHosts'>): HostPolicy {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const suffixes: string[] = [];
  const bound = bare(config.host.trim());
  if (!WILDCARD.has(bound)) names.add(bound);
  if (config.publicUrl) names.add(bare(new URL(config.publicUrl).hostname));
  for (const h of config.allowedHosts) {
    if (h.startsWith('.')) suffixes.push(h);
    else names.add(bare(h));
  }
  return { names, suffixes, anyAddress: WILDCARD.has(bound) };
}

/** `host[:port]` as a Host header or a URL carries it → the bare host name, or null if malformed. */
function hostnameOf(hostHeader: string): string | null {
  if (/[\s/\\@?#]/.test(hostHeader)) return null;
  try {
    return bare(new URL(`http://${hostHeader}`).hostname);
  } catch {
    return null;
  }
}

function nameAccepted(policy: HostPolicy, name: string): boolean {
  return (
    policy.names.has(name) ||
    policy.suffixes.some((s) => name.endsWith(s) || name === s.slice(1)) ||
    (policy.anyAddress && isIP(name) !== 0)
  );
}

export function hostAccepted(policy: HostPolicy, hostHeader: string | undefined): boolean {
  const name = hostHeader ? hostnameOf(hostHeader) : null;
  return name !== null && nameAccepted(policy, name);
}

/**
 * Whether a change may come from this Origin: one of the server's names; an IP address only when
 * it is the very address (and port) the request was sent to.
 */
export function originAccepted(policy: HostPolicy, origin: string, requestHost: string | undefined): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const name = bare(u.hostname);
  if (isIP(name) !== 0)
    return u.host.toLowerCase() === requestHost?.toLowerCase() && nameAccepted(policy, name);
  return nameAccepted(policy, name);
}

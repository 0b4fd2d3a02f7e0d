/**
 * Webhook and ntfy URLs and SMTP hosts are typed by family administrators, and the server calls them: without a
 * guard, a family could make the instance call a cloud metadata service (169.254.169.254,
 * fd00:ec2::254) or another link-local host and read its answer back in an error. Refused:
 * link-local and metadata ranges, checked on the address the name resolves to when sending.
 * Loopback and private LAN addresses stay allowed (a self-hosted ntfy next to the server is
 * normal). NOTIFY_ALLOW_LINK_LOCAL=true lifts the guard.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
blocked.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, cloud metadata (169.254.169.254)
blocked.addSubnet('fe80::', 10, 'ipv6'); // link-local
blocked.addSubnet('fd00::', 8, 'ipv6'); // metadata services (fd00:ec2::254) live here

export const LINK_LOCAL_SETTING = 'NOTIFY_ALLOW_LINK_LOCAL';

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

/** Why an address may not be called (null: fine). */
export function addressProblem(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is a link-local or metadata address (allow with ${LINK_LOCAL_SETTING}=true)`
    : null;
}

/** A URL whose host is itself a refused address (checked when the channel is saved). */
export function urlProblem(url: string): string | null {
  return addressProblem(bare(new URL(url).hostname));
}

export type Lookup = (host: string) => Promise<{ address: string }[]>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true });

/** A host (an SMTP server) that is itself a refused address. */
export const hostProblem = (host: string): string | null => addressProblem(bare(host));

/**
 * Resolves the host of a URL (or a bare host name, for SMTP) and refuses it when any of its
 * addresses is refused.
 */
export async function assertAllowedTarget(urlOrHost: string, lookup: Lookup = systemLookup): Promise<void> {
  const host = bare(urlOrHost.includes('://') ? new URL(urlOrHost).hostname : urlOrHost);
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host).catch(() => []);
  for (const { address } of addresses) {
    const problem = addressProblem(address);
    if (problem) throw new TargetRefusedError(`${host}: ${problem}`);
  }
}

export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

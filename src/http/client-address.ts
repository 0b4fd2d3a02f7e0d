/**
 * The client's address, for throttling failed logins (web) and failed authentications (SimpleFIN).
 * Directly connected clients: the socket's address.
 * Behind TRUST_PROXY proxies: the address the outermost of them saw, read from the right of
 * X-Forwarded-For (entries further left are whatever the client chose to send).
 */
import { isIP } from 'node:net';
import type { Context } from 'hono';

export function clientAddress(c: Context, trustProxy: number): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const socket = incoming?.socket?.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return socket;
  const hops = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const address = hops[Math.max(0, hops.length - trustProxy)];
  return address && isIP(address) ? address : socket;
}

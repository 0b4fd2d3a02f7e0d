/**
 * The secrets of SimpleFIN access: a setup token is the Base64 of a claim URL carrying a one-time
 * code; claiming it gives an Access URL with a user and password in its userinfo. Only SHA-256
 * hashes of these are stored (they are 128 to 256 random bits: a slow hash would add nothing).
 * User and password are hex: clients split the Access URL naively on `//`, `@` and `:` and do not
 * percent-decode (Actual, simplefin4py).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const hashSecret = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(presented: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 256 random bits, URL-safe: the one-time code in the claim URL's path. */
export const newClaimCode = (): string => randomBytes(32).toString('base64url');

export const CLAIM_CODE = /^[A-Za-z0-9_-]{43}$/;

export function newAccessCredentials(): { user: string; password: string } {
  return { user: randomBytes(16).toString('hex'), password: randomBytes(32).toString('hex') };
}

/**
 * The SimpleFIN root under a base address (PUBLIC_URL, or the address the page was opened at):
 * `https://host[/prefix]/simplefin`, never with a trailing slash (clients append `/accounts`).
 */
export function simplefinRoot(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new Error(`the address must start with https:// or http:// (got ${u.protocol})`);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path}/simplefin`;
}

export const claimUrl = (root: string, code: string): string => `${root}/claim/${code}`;

/** Standard Base64 with padding, no line breaks (the Firefly III data importer decodes strictly). */
export const setupTokenFor = (claim: string): string => Buffer.from(claim, 'utf8').toString('base64');

/** `https://USER:PASS@host/…/simplefin`, no trailing slash. */
export function accessUrlFor(root: string, creds: { user: string; password: string }): string {
  const u = new URL(root);
  return `${u.protocol}//${creds.user}:${creds.password}@${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/** The user and password of an `Authorization: Basic` header, or null. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]{1,512})\s*$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

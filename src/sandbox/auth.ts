/**
 * Sophtron direct auth, server side: `FIApiAUTH:<UserID>:<sig>:<authPath>`,
 * sig = base64 HMAC-SHA256(base64-decoded key, `METHOD\n<authPath>`). Lenient mode accepts every
 * AuthPath variant shipped clients use (A, A′, B, C: a suffix of the lower-cased path or
 * path?query); strict mode accepts only the vendor recipe (from the URL's last '/', query included).
 */
import { timingSafeEqual } from 'node:crypto';
import { signature as hmacSignature } from '../sophtron/signing.js';

/** The vendor recipe (variant A): from the last '/' of the URL, lower-cased. */
export function vendorAuthPath(pathAndQuery: string): string {
  return pathAndQuery.slice(pathAndQuery.lastIndexOf('/')).toLowerCase();
}

export interface ParsedAuth {
  userId: string;
  signature: string;
  authPath: string;
}

/** Split on ':' at most 3 times (an AuthPath may hold ':'; base64 never does). */
export function parseAuthHeader(value: string | undefined | null): ParsedAuth | null {
  if (!value) return null;
  const parts: string[] = [];
  let rest = value.trim();
  for (let i = 0; i < 3; i++) {
    const at = rest.indexOf(':');
    if (at < 0) return null;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  const [scheme, userId, signature] = parts;
  if (scheme?.toLowerCase() !== 'fiapiauth' || !userId || !signature || !rest.startsWith('/')) return null;
  return { userId: userId.trim(), signature: signature.trim(), authPath: rest };
}

export interface AuthUser {
  userId: string;
  accessKey: string;
}

export type AuthResult = { ok: true; userId: string } | { ok: false; reason: string };

export class Authenticator {
  private readonly users = new Map<string, AuthUser>();
  // The header is constant per (method, AuthPath), so a verified header can be remembered.
  private readonly verified = new Map<string, string>();

  constructor(
    users: AuthUser[],
    private readonly strict: boolean,
  ) {
    for (const u of users) this.users.set(u.userId.toLowerCase(), u);
  }

  addUser(u: AuthUser): void {
    this.users.set(u.userId.toLowerCase(), u);
    this.verified.clear();
  }

  check(method: string, header: string | undefined, path: string, query: string): AuthResult {
    const cacheKey = `${method} ${header ?? ''}`;
    const parsed = parseAuthHeader(header);
    if (!parsed) return { ok: false, reason: 'missing or malformed Authorization header' };
    const lowerPath = path.toLowerCase();
    const withQuery = query ? `${lowerPath}?${query.toLowerCase()}` : lowerPath;
    const pathOk = this.strict
      ? parsed.authPath === vendorAuthPath(query ? `${path}?${query}` : path)
      : lowerPath.endsWith(parsed.authPath) || withQuery.endsWith(parsed.authPath);
    if (!pathOk) return { ok: false, reason: 'AuthPath does not match the request path' };
    const known = this.verified.get(cacheKey);
    if (known !== undefined) return { ok: true, userId: known };
    const user = this.users.get(parsed.userId.toLowerCase());
    if (!user) return { ok: false, reason: 'unknown user' };
    const expected = Buffer.from(hmacSignature(method, parsed.authPath, user.accessKey));
    const given = Buffer.from(parsed.signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: 'bad signature' };
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(cacheKey, user.userId);
    return { ok: true, userId: user.userId };
  }
}

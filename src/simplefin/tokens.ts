/**
 * Making setup tokens (the web page and `sophtron-sync simplefin token create` share this): the
 * setup token is returned once and only its claim code's hash is stored.
 */
import { z } from 'zod';
import type { Store } from '../store/index.js';
import type { SimplefinToken, SimplefinTokenListing } from '../store/simplefin.js';
import { claimUrl, hashSecret, newClaimCode, setupTokenFor, simplefinRoot } from './credentials.js';

/** An unclaimed setup token stops working after this (good hygiene: it may sit in a chat or an e-mail). */
export const CLAIM_WINDOW_HOURS = 72;

export const setupTokenInput = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'is longer than 100 characters'),
  accountIds: z.array(z.string().trim().min(1)).min(1, 'choose at least one account'),
  /** The address apps reach this server at (PUBLIC_URL, or the page's own address). */
  baseUrl: z.string().trim().url('must be an address such as https://sync.example.org'),
  /** End of the access (YYYY-MM-DD, the end of that day UTC) or an ISO time; null = no expiry. */
  expires: z
    .string()
    .trim()
    .nullable()
    .default(null)
    .transform((v, ctx) => {
      if (!v) return null;
      const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T23:59:59.999Z` : v;
      const t = Date.parse(iso);
      if (Number.isNaN(t)) {
        ctx.addIssue({ code: 'custom', message: `must be a date YYYY-MM-DD (got ${JSON.stringify(v)})` });
        return z.NEVER;
      }
      return new Date(t).toISOString();
    }),
  refreshHours: z.coerce
    .number()
    .int('must be a whole number of hours')
    .min(1, 'must be at least 1 hour')
    .max(24 * 31, 'must be at most 744 hours (31 days)')
    .nullable()
    .default(null),
  createdBy: z.string().nullable().default(null),
});

export type SetupTokenInput = z.input<typeof setupTokenInput>;

export interface CreatedSetupToken {
  token: SimplefinToken;
  /** Base64 of the claim URL: what the person pastes into the app. Shown once. */
  setupToken: string;
}

export class SetupTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupTokenError';
  }
}

const LABELS: Record<string, string> = {
  name: 'Name',
  accountIds: 'Accounts',
  baseUrl: 'Address',
  expires: 'Expires',
  refreshHours: 'Refresh when older than (hours)',
};

export async function createSetupToken(
  store: Pick<Store, 'createSimplefinToken'>,
  familyId: string,
  raw: SetupTokenInput,
  now: Date = new Date(),
): Promise<CreatedSetupToken> {
  const parsed = setupTokenInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    throw new SetupTokenError(`${LABELS[field] ?? field}: ${issue.message}`);
  }
  const input = parsed.data;
  if (input.expires !== null && input.expires <= now.toISOString())
    throw new SetupTokenError('Expires: must be in the future');
  let root: string;
  try {
    root = simplefinRoot(input.baseUrl);
  } catch (err) {
    throw new SetupTokenError(`Address: ${(err as Error).message}`);
  }
  const code = newClaimCode();
  const claimWindowEnd = new Date(now.getTime() + CLAIM_WINDOW_HOURS * 3_600_000).toISOString();
  const token = await store.createSimplefinToken(familyId, {
    name: input.name,
    accountIds: input.accountIds,
    rootUrl: root,
    claimHash: hashSecret(code),
    claimExpiresAt: input.expires !== null && input.expires < claimWindowEnd ? input.expires : claimWindowEnd,
    expiresAt: input.expires,
    refreshHours: input.refreshHours,
    createdBy: input.createdBy,
    now: now.toISOString(),
  });
  return { token, setupToken: setupTokenFor(claimUrl(root, code)) };
}

export type TokenState = 'unclaimed' | 'claim expired' | 'active' | 'expired' | 'revoked';

export function tokenState(
  t: Pick<SimplefinTokenListing, 'revoked_at' | 'expires_at' | 'claimed_at' | 'claim_expires_at'>,
  now: Date,
): TokenState {
  const at = now.toISOString();
  if (t.revoked_at) return 'revoked';
  if (t.expires_at && t.expires_at <= at) return 'expired';
  if (t.claimed_at) return 'active';
  return t.claim_expires_at <= at ? 'claim expired' : 'unclaimed';
}

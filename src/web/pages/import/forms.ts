/** The wizard's forms read into configuration: the uploaded file, accounts, dates, options, mapping. */
import { z } from 'zod';
import {
  FidiConfigError,
  parseFidiConfig,
  type FidiConfig,
} from '../../../destinations/firefly/fidi-config.js';
import type { ProviderAccountListing, Store } from '../../../store/index.js';
import type { Ctx } from '../../context.js';
import { freshConfig } from '../../import/drafts.js';
import { errorText } from './shared.js';

type Form = Record<string, string | string[]>;

const bool = (v: unknown) => v === 'on' || v === 'true' || v === '1';
const many = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);

/** The configuration to start from: the uploaded file's, else a fresh one; or why the file is refused. */
export async function uploadedConfig(c: Ctx): Promise<{ config: FidiConfig } | { error: string }> {
  const body = await c.req.parseBody();
  let config = freshConfig();
  const file = body.config;
  if (file instanceof File && file.size > 0) {
    if (file.size > 1_000_000) return { error: 'Import configuration: larger than 1 MB' };
    try {
      config = parseFidiConfig(await file.text());
    } catch (err) {
      const msg = err instanceof FidiConfigError ? err.problems.join('; ') : errorText(err);
      return { error: `Import configuration: ${msg}` };
    }
  }
  return { config };
}

/** How an account without a chosen target is created in Firefly III: what is owed becomes a liability. */
function newFireflyAccount(account: NonNullable<ProviderAccountListing['account']>) {
  const liability = account.kind === 'credit_card' || account.kind === 'loan';
  return {
    name: account.name,
    type: liability ? 'liabilities' : 'asset',
    currency: account.currency,
    ...(liability
      ? {
          liability_type: account.kind === 'loan' ? 'loan' : 'debt',
          liability_direction: 'credit',
        }
      : {}),
  } as FidiConfig['new_accounts'][string];
}

/**
 * The accounts step's choices: each ticked account's Firefly III target (0: create it), or
 * `'none'` when nothing is ticked and `undefined` when an account is not the family's.
 */
export async function accountChoices(
  store: Store,
  familyId: string,
  form: Form,
): Promise<Pick<FidiConfig, 'accounts' | 'new_accounts'> | 'none' | undefined> {
  const include = many(form.include).slice(0, 500);
  if (include.length === 0) return 'none';
  const accounts: Record<string, number> = {};
  const newAccounts: FidiConfig['new_accounts'] = {};
  for (const sophtronId of include) {
    const listing = await store.getProviderAccount(familyId, sophtronId);
    if (!listing?.account) return undefined;
    const raw = form[`target_${sophtronId}`];
    const target = Number(typeof raw === 'string' ? raw : '0');
    accounts[sophtronId] = Number.isSafeInteger(target) && target > 0 ? target : 0;
    if (accounts[sophtronId] === 0) newAccounts[sophtronId] = newFireflyAccount(listing.account);
  }
  return { accounts, new_accounts: newAccounts };
}

const datesSchema = z
  .object({
    date_range: z.enum(['all', 'partial', 'range']),
    date_range_number: z.coerce.number().int().min(1).max(3650).catch(30),
    date_range_unit: z.enum(['d', 'w', 'm', 'y']).catch('d'),
    date_not_before: z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD'),
    date_not_after: z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD'),
  })
  .refine((v) => v.date_range !== 'range' || (v.date_not_before && v.date_not_after), {
    message: 'From and To: both are needed for "between two dates"',
    path: ['date_not_before'],
  });

/** The dates step's range, or its first problem as "field: message". */
export function parseDates(form: Form): { dates: z.infer<typeof datesSchema> } | { error: string } {
  const parsed = datesSchema.safeParse(form);
  if (parsed.success) return { dates: parsed.data };
  const i = parsed.error.issues[0]!;
  return { error: `${String(i.path[0] ?? '')}: ${i.message}` };
}

/** The options step's switches and custom tag. */
export function parseOptions(f: Form) {
  const tag = typeof f.custom_tag === 'string' ? f.custom_tag.trim().slice(0, 255) : '';
  return {
    rules: bool(f.rules),
    webhooks: bool(f.webhooks),
    add_import_tag: bool(f.add_import_tag),
    custom_tag: tag,
    pending_transactions: bool(f.pending_transactions),
    map_all_data: bool(f.map_all_data),
  };
}

/** The map step's rows (`party` and `target` side by side): each party sent to a chosen account. */
export function parseMapping(f: Form): Record<string, number> {
  const parties = many(f.party);
  const targets = many(f.target);
  const mapping: Record<string, number> = {};
  parties.forEach((p, i) => {
    const id = Number(targets[i]);
    if (Number.isSafeInteger(id) && id > 0) mapping[p.slice(0, 255)] = id;
  });
  return mapping;
}

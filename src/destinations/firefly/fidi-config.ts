/**
 * The Firefly III data importer's configuration file (version 3 JSON, `flow: "sophtron"`), read
 * and written so a user of the data importer can bring their file and take one home
 * (its documented keys). Unknown keys are kept; secrets are never written; errors name the key.
 */
import { z } from 'zod';
import { addDays, isCalendarDate } from '../../dates.js';
import type { AccountTarget } from './accounts.js';
import type { PendingMode } from './convert.js';

const intLike = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
  z.number().int().nonnegative(),
);
// PHP writes an empty object as [] (json_encode of an empty array).
const emptyArrayIsObject = (v: unknown) => (Array.isArray(v) && v.length === 0 ? {} : v);
const boolLike = z.preprocess(
  (v) => (v === 1 || v === '1' ? true : v === 0 || v === '0' ? false : v),
  z.boolean(),
);
const dateOrEmpty = z.union([
  z.literal(''),
  z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD that exists, or empty'),
]);
const unit = z.enum(['d', 'w', 'm', 'y']);

const newAccountSchema = z
  .object({
    name: z.string().trim().max(255).optional(),
    type: z.enum(['asset', 'liabilities', 'liability']).optional(),
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code')
      .optional()
      .or(z.literal('')),
    opening_balance: z.union([z.string(), z.number()]).optional(),
    liability_type: z.enum(['loan', 'debt', 'mortgage']).optional().or(z.literal('')),
    liability_direction: z.enum(['credit', 'debit']).optional().or(z.literal('')),
    create: z.union([z.boolean(), z.number(), z.string()]).optional(),
  })
  .loose();

export const fidiConfigSchema = z
  .object({
    version: z.literal([2, 3], {
      message: 'must be 3 (or 2): version 1 files are the CSV-only legacy format',
    }),
    flow: z.string().refine((f) => f === 'sophtron', { message: 'must be "sophtron" for this importer' }),
    accounts: z.preprocess(emptyArrayIsObject, z.record(z.string(), intLike)).default({}),
    new_accounts: z.preprocess(emptyArrayIsObject, z.record(z.string(), newAccountSchema)).default({}),
    default_account: intLike.default(0),
    date_range: z.enum(['all', 'partial', 'range']).default('all'),
    date_range_number: intLike.default(30),
    date_range_unit: unit.default('d'),
    date_range_not_after_number: intLike.default(0),
    date_range_not_after_unit: z.union([unit, z.literal('')]).default(''),
    date_not_before: dateOrEmpty.default(''),
    date_not_after: dateOrEmpty.default(''),
    rules: boolLike.default(true),
    webhooks: boolLike.default(true),
    add_import_tag: boolLike.default(true),
    custom_tag: z.string().max(255).default(''),
    map_all_data: boolLike.default(false),
    mapping: z
      .preprocess(
        emptyArrayIsObject,
        z.record(z.string(), z.preprocess(emptyArrayIsObject, z.record(z.string(), intLike))),
      )
      .default({}),
    duplicate_detection_method: z.enum(['none', 'classic', 'cell']).default('cell'),
    unique_column_type: z.string().default('external-id'),
    unique_column_index: intLike.default(0),
    ignore_duplicate_transactions: boolLike.optional(),
    ignore_duplicate_lines: boolLike.default(false),
    pending_transactions: boolLike.optional(),
    skip_form: boolLike.default(false),
  })
  .loose();

export type FidiConfig = z.infer<typeof fidiConfigSchema>;

export class FidiConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid import configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FidiConfigError';
  }
}

/** Parses the file's text; errors name the key ("date_range: ..."). */
export function parseFidiConfig(text: string): FidiConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FidiConfigError([`not JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new FidiConfigError(['must be a JSON object']);
  const parsed = fidiConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new FidiConfigError(
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`),
    );
  }
  const c = parsed.data;
  if (c.date_range === 'range' && (!c.date_not_before || !c.date_not_after)) {
    throw new FidiConfigError([
      'date_not_before / date_not_after: both are needed when date_range is "range"',
    ]);
  }
  if (c.date_range === 'range' && c.date_not_before > c.date_not_after) {
    throw new FidiConfigError([
      `date_not_before: ${c.date_not_before} is after date_not_after (${c.date_not_after}); nothing could be imported`,
    ]);
  }
  return c;
}

/**
 * What only today can tell about a file's range: a first day after tomorrow (`today` in the
 * family's time zone) reads nothing, now or on any run soon. Empty when the range can be read.
 */
export function dateRangeProblems(config: FidiConfig, today: string): string[] {
  if (config.date_range !== 'range' || !config.date_not_before) return [];
  return config.date_not_before > addDays(today, 1)
    ? [
        `date_not_before: ${config.date_not_before} is in the future (today is ${today}); nothing could be imported`,
      ]
    : [];
}

const SECRET_KEY = /(secret|token|password|passwd|api_key|apikey|access_key|accesskey|private|credential)/i;
// Other providers' secrets the data importer keeps in this file.
const SECRET_KEYS = new Set([
  'access_token',
  'lunch_flow_api_key',
  'sophtron_user_id',
  'sophtron_access_key',
]);

/**
 * The file to hand back: every key the data importer's v3 schema requires, the user's own keys
 * kept (secrets dropped), `accounts` updated with the Firefly ids that were chosen or created.
 */
export function writeFidiConfig(
  config: FidiConfig,
  updates: { accounts?: Record<string, number>; version?: string; now?: Date } = {},
): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (SECRET_KEYS.has(k) || SECRET_KEY.test(k)) continue;
    out[k] = v;
  }
  Object.assign(out, {
    version: 3,
    source: `sophtron-sync-${updates.version ?? '0.1.0'}`,
    created_at: (updates.now ?? new Date()).toISOString(),
    flow: 'sophtron',
    accounts: { ...config.accounts, ...(updates.accounts ?? {}) },
    new_accounts: config.new_accounts,
    mapping: config.mapping,
    ignore_duplicate_transactions:
      config.ignore_duplicate_transactions ?? config.duplicate_detection_method === 'classic',
    pending_transactions: config.pending_transactions ?? false,
  });
  // Keys the v3 schema requires even for bank flows (CSV-only ones included).
  const required: Record<string, unknown> = {
    delimiter: 'comma',
    headers: false,
    roles: [],
    do_mapping: [],
    conversion: false,
    date: '',
  };
  for (const [k, v] of Object.entries(required)) if (!(k in out)) out[k] = v;
  return `${JSON.stringify(out, null, 2)}\n`;
}

export interface ImportPlan {
  /** Sophtron account id → where its transactions go. */
  targets: Map<string, AccountTarget>;
  window: { from: string | null; to: string };
  pending: PendingMode;
  addImportTag: boolean;
  customTag: string | null;
  applyRules: boolean;
  fireWebhooks: boolean;
  errorIfDuplicateHash: boolean;
  /** Opposing name → Firefly account id (mapping["0"]), used when map_all_data is on. */
  mapping: Record<string, number>;
}

function shift(date: string, n: number, u: 'd' | 'w' | 'm' | 'y'): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (u === 'd') d.setUTCDate(d.getUTCDate() - n);
  if (u === 'w') d.setUTCDate(d.getUTCDate() - 7 * n);
  if (u === 'm') d.setUTCMonth(d.getUTCMonth() - n);
  if (u === 'y') d.setUTCFullYear(d.getUTCFullYear() - n);
  return d.toISOString().slice(0, 10);
}

/**
 * The date window the configuration asks for. `all` has no lower bound here: the sync engine
 * reads from each account's start date instead of 1970 (which costs one Sophtron call per window).
 */
export function dateWindow(config: FidiConfig, today: string): { from: string | null; to: string } {
  if (config.date_range === 'partial') {
    const from = shift(today, config.date_range_number, config.date_range_unit);
    const to =
      config.date_range_not_after_unit && config.date_range_not_after_number > 0
        ? shift(today, config.date_range_not_after_number, config.date_range_not_after_unit)
        : today;
    return from <= to ? { from, to } : { from: to, to: from };
  }
  if (config.date_range === 'range') {
    const a = config.date_not_before;
    const b = config.date_not_after;
    return a <= b ? { from: a, to: b } : { from: b, to: a };
  }
  return { from: null, to: today };
}

export function importPlan(
  config: FidiConfig,
  today: string,
  defaults: { pending?: PendingMode } = {},
): ImportPlan {
  const targets = new Map<string, AccountTarget>();
  for (const [sophtronId, fireflyId] of Object.entries(config.accounts)) {
    if (fireflyId > 0) {
      targets.set(sophtronId, { kind: 'existing', fireflyAccountId: String(fireflyId) });
      continue;
    }
    const n = config.new_accounts[sophtronId];
    targets.set(sophtronId, {
      kind: 'new',
      ...(n?.name ? { name: n.name } : {}),
      ...(n?.type ? { type: n.type === 'liability' ? 'liabilities' : n.type } : {}),
      ...(n?.currency ? { currency: n.currency.toUpperCase() } : {}),
      ...(n?.liability_type ? { liabilityType: n.liability_type } : {}),
      ...(n?.liability_direction ? { liabilityDirection: n.liability_direction } : {}),
    });
  }
  return {
    targets,
    window: dateWindow(config, today),
    pending:
      config.pending_transactions === undefined
        ? (defaults.pending ?? 'skip')
        : config.pending_transactions
          ? 'tag'
          : 'skip',
    addImportTag: config.add_import_tag,
    customTag: config.custom_tag || null,
    applyRules: config.rules,
    fireWebhooks: config.webhooks,
    // `none` is the only method that turns Firefly's own duplicate check off; ours (the ledger's
    // memory of what it delivered + external_id) always runs.
    errorIfDuplicateHash: config.duplicate_detection_method !== 'none',
    mapping:
      config.map_all_data || Object.keys(config.mapping['0'] ?? {}).length ? (config.mapping['0'] ?? {}) : {},
  };
}

/**
 * The Firefly III destination's tables (migration 0100_firefly): a family's Firefly connection
 * (token sealed by the store's secret box), ledger account → Firefly account, and ledger
 * transaction → Firefly transaction group with the change_seq that was delivered.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { FireflyAccountRow, FireflyTransactionRow } from '../../store/firefly-delivery.js';
import type { Database, FireflyTransactionState } from '../../store/schema.js';

type Db = Kysely<Database>;
interface SecretBox {
  seal(plaintext: string, aad?: string): string;
  open(sealed: string, aad?: string): string;
}

export type { FireflyAccountRow, FireflyTransactionRow } from '../../store/firefly-delivery.js';

const now = (): string => new Date().toISOString();
const tokenAad = (familyId: string) => `firefly_token:${familyId}`;

/** Delivery options a family keeps with its Firefly connection (all optional). */
export const deliveryOptionsSchema = z.object({
  pending: z.enum(['skip', 'tag']).optional(),
  addImportTag: z.boolean().optional(),
  customTag: z.string().max(255).optional(),
  applyRules: z.boolean().optional(),
  fireWebhooks: z.boolean().optional(),
  mapping: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
export type StoredDeliveryOptions = z.infer<typeof deliveryOptionsSchema>;

export interface FireflySettings {
  url: string;
  token: string;
  options: StoredDeliveryOptions;
  updatedAt: string;
}

export async function saveFireflySettings(
  db: Db,
  secrets: SecretBox,
  familyId: string,
  input: { url: string; token: string; options?: StoredDeliveryOptions },
): Promise<void> {
  const url = z.string().url().parse(input.url.trim());
  const row = {
    family_id: familyId,
    url,
    token_sealed: secrets.seal(input.token, tokenAad(familyId)),
    options_json: JSON.stringify(deliveryOptionsSchema.parse(input.options ?? {})),
    updated_at: now(),
  };
  await db
    .insertInto('firefly_settings')
    .values(row)
    .onConflict((oc) =>
      oc.column('family_id').doUpdateSet({
        url: row.url,
        token_sealed: row.token_sealed,
        options_json: row.options_json,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function getFireflySettings(
  db: Db,
  secrets: SecretBox,
  familyId: string,
): Promise<FireflySettings | null> {
  const row = await db
    .selectFrom('firefly_settings')
    .selectAll()
    .where('family_id', '=', familyId)
    .executeTakeFirst();
  if (!row) return null;
  const options = deliveryOptionsSchema.safeParse(JSON.parse(row.options_json || '{}'));
  return {
    url: row.url,
    token: secrets.open(row.token_sealed, tokenAad(familyId)),
    options: options.success ? options.data : {},
    updatedAt: row.updated_at,
  };
}

/** For pages: the URL and whether a token is stored, never the token. */
export async function describeFireflySettings(
  db: Db,
  familyId: string,
): Promise<{ url: string; tokenSet: boolean; updatedAt: string } | null> {
  const row = await db
    .selectFrom('firefly_settings')
    .select(['url', 'updated_at'])
    .where('family_id', '=', familyId)
    .executeTakeFirst();
  return row ? { url: row.url, tokenSet: true, updatedAt: row.updated_at } : null;
}

export async function deleteFireflySettings(db: Db, familyId: string): Promise<void> {
  await db.deleteFrom('firefly_settings').where('family_id', '=', familyId).execute();
}

// ---- accounts ----

export async function listFireflyAccounts(db: Db, familyId: string): Promise<FireflyAccountRow[]> {
  return db.selectFrom('firefly_accounts').selectAll().where('family_id', '=', familyId).execute();
}

export async function upsertFireflyAccount(
  db: Db,
  row: Omit<FireflyAccountRow, 'updated_at' | 'checked_at' | 'checked_firefly_minor' | 'checked_bank_minor'>,
): Promise<void> {
  const values = { ...row, updated_at: now() };
  await db
    .insertInto('firefly_accounts')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['family_id', 'account_id']).doUpdateSet({
        state: values.state,
        firefly_account_id: values.firefly_account_id,
        firefly_name: values.firefly_name,
        firefly_type: values.firefly_type,
        created_by_us: values.created_by_us,
        opening_balance_minor: values.opening_balance_minor,
        opening_balance_date: values.opening_balance_date,
        updated_at: values.updated_at,
      }),
    )
    .execute();
}

export async function recordBalanceCheck(
  db: Db,
  familyId: string,
  accountId: string,
  fireflyMinor: number,
  bankMinor: number | null,
): Promise<void> {
  await db
    .updateTable('firefly_accounts')
    .set({ checked_at: now(), checked_firefly_minor: fireflyMinor, checked_bank_minor: bankMinor })
    .where('family_id', '=', familyId)
    .where('account_id', '=', accountId)
    .execute();
}

// ---- transactions ----

export async function getDeliveredRows(
  db: Db,
  familyId: string,
  transactionIds: number[],
): Promise<Map<number, FireflyTransactionRow>> {
  const out = new Map<number, FireflyTransactionRow>();
  for (let i = 0; i < transactionIds.length; i += 500) {
    const rows = await db
      .selectFrom('firefly_transactions')
      .selectAll()
      .where('family_id', '=', familyId)
      .where('transaction_id', 'in', transactionIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.transaction_id, r);
  }
  return out;
}

export async function setDeliveryState(
  db: Db,
  familyId: string,
  transactionId: number,
  state: FireflyTransactionState,
  note: string | null = null,
): Promise<void> {
  await db
    .updateTable('firefly_transactions')
    .set({ state, note, updated_at: now() })
    .where('family_id', '=', familyId)
    .where('transaction_id', '=', transactionId)
    .execute();
}

/** Counts of delivery rows by state, for status pages. */
export async function deliveryCounts(db: Db, familyId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('firefly_transactions')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('family_id', '=', familyId)
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

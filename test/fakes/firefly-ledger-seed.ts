/**
 * Seeds a ledger directly through Kysely (family, connection, provider accounts, accounts,
 * transactions with change_seq, balance snapshots), for tests and benchmarks of the destinations
 * that must not depend on the sync engine.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccountKind, BalanceRule, Database, LedgerTransactionStatus } from '../../src/store/schema.js';

const now = () => new Date().toISOString();

export async function seedFamily(db: Kysely<Database>, timeZone = 'America/New_York'): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('families')
    .values({ id, name: 'Test family', time_zone: timeZone, created_at: now() })
    .execute();
  return id;
}

export interface SeedAccountInput {
  name: string;
  kind?: AccountKind;
  currency?: string;
  balanceRule?: BalanceRule;
  sophtronAccountId?: string;
  providerType?: string;
  /** Latest balance as the ledger shows it. */
  balanceMinor?: number | null;
}

export async function seedAccount(
  db: Kysely<Database>,
  familyId: string,
  input: SeedAccountInput,
): Promise<string> {
  const connectionId = randomUUID();
  await db
    .insertInto('connections')
    .values({
      id: connectionId,
      family_id: familyId,
      user_institution_id: randomUUID(),
      institution_id: randomUUID(),
      institution_name: 'Test Bank',
      status: 'connected',
      status_reason: null,
      last_refreshed_at: null,
      created_at: now(),
      updated_at: now(),
    })
    .execute();
  const providerId = randomUUID();
  const kind = input.kind ?? 'depository';
  await db
    .insertInto('provider_accounts')
    .values({
      id: providerId,
      family_id: familyId,
      connection_id: connectionId,
      sophtron_account_id: input.sophtronAccountId ?? randomUUID(),
      name: input.name,
      number_mask: 'xxx1234',
      raw_type: null,
      sub_type: null,
      type:
        input.providerType ??
        (kind === 'credit_card' ? 'credit_card' : kind === 'loan' ? 'loan' : 'checking'),
      // As Sophtron reports it (the sandbox's convention: negative = owed).
      balance_minor:
        input.balanceMinor === undefined || input.balanceMinor === null
          ? null
          : kind === 'credit_card' || kind === 'loan'
            ? -Math.abs(input.balanceMinor)
            : input.balanceMinor,
      available_minor: null,
      currency_hint: '$',
      last_seen_at: now(),
    })
    .execute();
  const id = randomUUID();
  await db
    .insertInto('accounts')
    .values({
      id,
      family_id: familyId,
      provider_account_id: providerId,
      name: input.name,
      kind,
      currency: input.currency ?? 'USD',
      balance_rule:
        input.balanceRule ?? (kind === 'credit_card' || kind === 'loan' ? 'owed_positive' : 'as_reported'),
      sync_start_date: null,
      synced_through: null,
      last_sync_at: null,
      last_sync_outcome: null,
      last_sync_error: null,
      created_at: now(),
      updated_at: now(),
    })
    .execute();
  if (input.balanceMinor !== undefined && input.balanceMinor !== null) {
    await setBalance(db, id, input.balanceMinor, input.currency ?? 'USD');
  }
  return id;
}

export async function setBalance(
  db: Kysely<Database>,
  accountId: string,
  minor: number,
  currency = 'USD',
): Promise<void> {
  await db
    .insertInto('balance_snapshots')
    .values({ account_id: accountId, taken_at: now(), current_minor: minor, available_minor: null, currency })
    .execute();
}

async function nextSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .updateTable('change_counter')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('id', '=', 1)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

export interface SeedTransactionInput {
  providerId?: string;
  amountMinor: number;
  date: string;
  status?: LedgerTransactionStatus;
  description?: string | null;
  merchant?: string | null;
  category?: string | null;
  memo?: string | null;
  currency?: string;
}

export async function seedTransaction(
  db: Kysely<Database>,
  accountId: string,
  input: SeedTransactionInput,
): Promise<number> {
  const seq = await nextSeq(db);
  const row = await db
    .insertInto('transactions')
    .values({
      account_id: accountId,
      provider_transaction_id: input.providerId ?? randomUUID(),
      status: input.status ?? 'posted',
      amount_minor: input.amountMinor,
      currency: input.currency ?? 'USD',
      date: input.date,
      transaction_date: input.date,
      post_date: input.status === 'pending' ? null : input.date,
      description: input.description === undefined ? 'Purchase' : input.description,
      merchant: input.merchant ?? null,
      category: input.category ?? null,
      memo: input.memo ?? null,
      check_number: null,
      replaced_pending_id: null,
      first_seen_at: now(),
      last_seen_at: now(),
      last_seen_date: input.date,
      vanished_at: null,
      change_seq: seq,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes a transaction the way the sync engine does: new values and a new change_seq. */
export async function updateTransaction(
  db: Kysely<Database>,
  id: number,
  changes: Partial<{
    status: LedgerTransactionStatus;
    provider_transaction_id: string;
    description: string | null;
    amount_minor: number;
    post_date: string | null;
    merchant: string | null;
  }>,
): Promise<void> {
  const seq = await nextSeq(db);
  await db
    .updateTable('transactions')
    .set({ ...changes, change_seq: seq })
    .where('id', '=', id)
    .execute();
}

/** Many transactions at once (benchmarks): one insert per 500 rows. */
export async function seedManyTransactions(
  db: Kysely<Database>,
  accountId: string,
  count: number,
  start = '2020-01-01',
): Promise<number> {
  let sum = 0;
  const base = new Date(`${start}T00:00:00Z`).getTime();
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      const amount = j % 7 === 0 ? 250_000 + j : -(1_000 + ((j * 37) % 9_000));
      sum += amount;
      const date = new Date(base + Math.floor(j / 8) * 86_400_000).toISOString().slice(0, 10);
      batch.push({
        account_id: accountId,
        provider_transaction_id: `tx-${j}`,
        status: 'posted' as const,
        amount_minor: amount,
        currency: 'USD',
        date,
        transaction_date: date,
        post_date: date,
        description: amount > 0 ? `Payroll ${j}` : `Store purchase ${j}`,
        merchant: amount > 0 ? 'Employer Inc' : `Store ${j % 50}`,
        category: null,
        memo: null,
        check_number: null,
        replaced_pending_id: null,
        first_seen_at: now(),
        last_seen_at: now(),
        last_seen_date: date,
        vanished_at: null,
        change_seq: await nextSeq(db),
      });
    }
    await db.insertInto('transactions').values(batch).execute();
  }
  return sum;
}

/**
 * Small builders that put a family, its connections, accounts, transactions and balances straight
 * into a real ledger database, for tests and benchmarks of modules that read the ledger (exports,
 * scheduler, Firefly III delivery) without the sync engine.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccountKind, BalanceRule, Database, LedgerTransactionStatus } from '../../src/store/schema.js';

const NOW = '2026-03-01T12:00:00.000Z';

export async function seedFamily(
  db: Kysely<Database>,
  name = 'Test family',
  id: string = randomUUID(),
  timeZone = 'UTC',
) {
  await db.insertInto('families').values({ id, name, time_zone: timeZone, created_at: NOW }).execute();
  return id;
}

export async function seedConnection(
  db: Kysely<Database>,
  familyId: string,
  options: { status?: 'connected' | 'needs_attention' | 'failed'; institutionName?: string } = {},
) {
  const id = randomUUID();
  await db
    .insertInto('connections')
    .values({
      id,
      family_id: familyId,
      user_institution_id: randomUUID(),
      institution_id: randomUUID(),
      institution_name: options.institutionName ?? 'Test Bank',
      status: options.status ?? 'connected',
      status_reason: null,
      last_refreshed_at: null,
      created_at: NOW,
      updated_at: NOW,
    })
    .execute();
  return id;
}

export interface SeedAccountOptions {
  /** The ledger account's id and its provider account's (default: random). */
  id?: string;
  providerAccountId?: string;
  name?: string;
  kind?: AccountKind;
  currency?: string;
  balanceRule?: BalanceRule;
  subType?: string;
  /** Sophtron's account type (checking, savings, credit_card...); default from `kind`. */
  providerType?: string;
  sophtronAccountId?: string;
  /** The balance as the ledger shows it (owed amounts of cards and loans positive). */
  balanceMinor?: number | null;
  syncStartDate?: string | null;
}

const owes = (kind: AccountKind) => kind === 'credit_card' || kind === 'loan';

/** An account linked to a provider account; without a connection id, on a connection of its own. */
export async function seedAccount(
  db: Kysely<Database>,
  familyId: string,
  connection?: string | SeedAccountOptions,
  accountOptions: SeedAccountOptions = {},
) {
  const connectionId = typeof connection === 'string' ? connection : await seedConnection(db, familyId);
  const options = typeof connection === 'string' ? accountOptions : (connection ?? {});
  const kind = options.kind ?? 'depository';
  const balance = options.balanceMinor ?? null;
  const providerId = options.providerAccountId ?? randomUUID();
  await db
    .insertInto('provider_accounts')
    .values({
      id: providerId,
      family_id: familyId,
      connection_id: connectionId,
      sophtron_account_id: options.sophtronAccountId ?? randomUUID(),
      name: options.name ?? 'Checking',
      number_mask: '1234',
      raw_type: null,
      sub_type: options.subType ?? null,
      type: options.providerType ?? kind,
      // As Sophtron reports it: what is owed is negative.
      balance_minor: balance === null ? null : owes(kind) ? -Math.abs(balance) : balance,
      available_minor: null,
      currency_hint: '$',
      last_seen_at: NOW,
    })
    .execute();
  const id = options.id ?? randomUUID();
  await db
    .insertInto('accounts')
    .values({
      id,
      family_id: familyId,
      provider_account_id: providerId,
      name: options.name ?? 'Checking',
      kind,
      currency: options.currency ?? 'USD',
      balance_rule: options.balanceRule ?? (owes(kind) ? 'owed_positive' : 'as_reported'),
      sync_start_date: options.syncStartDate ?? null,
      synced_through: null,
      last_sync_at: null,
      last_sync_outcome: null,
      last_sync_error: null,
      created_at: NOW,
      updated_at: NOW,
    })
    .execute();
  if (balance !== null) {
    await db
      .insertInto('balance_snapshots')
      .values({
        account_id: id,
        taken_at: NOW,
        current_minor: balance,
        available_minor: balance,
        currency: options.currency ?? 'USD',
      })
      .execute();
  }
  return id;
}

/** The columns of a ledger account linked to Firefly III asset account 7, made by the app, no opening balance. */
export const fireflyLink = (familyId: string, accountId: string) => ({
  family_id: familyId,
  account_id: accountId,
  state: 'linked' as const,
  firefly_account_id: '7',
  firefly_name: 'Checking',
  firefly_type: 'asset',
  created_by_us: 1,
  opening_balance_minor: null,
  opening_balance_date: null,
});

/** A new balance taken now (later than anything a delivery has checked). */
export async function setBalance(
  db: Kysely<Database>,
  accountId: string,
  minor: number,
  currency = 'USD',
): Promise<void> {
  await db
    .insertInto('balance_snapshots')
    .values({
      account_id: accountId,
      taken_at: new Date().toISOString(),
      current_minor: minor,
      available_minor: null,
      currency,
    })
    .execute();
}

async function nextSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .updateTable('change_counter')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('id', '=', 1)
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

export interface SeedTransaction {
  amountMinor: number;
  date: string;
  status?: LedgerTransactionStatus;
  description?: string | null;
  merchant?: string | null;
  memo?: string | null;
  category?: string | null;
  checkNumber?: string | null;
  currency?: string;
  providerId?: string;
}

export async function seedTransaction(db: Kysely<Database>, accountId: string, t: SeedTransaction) {
  const seq = await nextSeq(db);
  const row = await db
    .insertInto('transactions')
    .values({
      account_id: accountId,
      provider_transaction_id: t.providerId ?? randomUUID(),
      status: t.status ?? 'posted',
      amount_minor: t.amountMinor,
      currency: t.currency ?? 'USD',
      date: t.date,
      transaction_date: t.date,
      post_date: t.status === 'pending' ? null : t.date,
      description: t.description ?? null,
      merchant: t.merchant ?? null,
      category: t.category ?? null,
      memo: t.memo ?? null,
      check_number: t.checkNumber ?? null,
      replaced_pending_id: null,
      first_seen_at: NOW,
      last_seen_at: NOW,
      last_seen_date: t.date,
      vanished_at: t.status === 'vanished' ? NOW : null,
      change_seq: seq,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
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
    memo: string | null;
    category: string | null;
  }>,
): Promise<void> {
  const seq = await nextSeq(db);
  await db
    .updateTable('transactions')
    .set({ ...changes, change_seq: seq })
    .where('id', '=', id)
    .execute();
}

/** Many transactions at once (benchmarks), one insert per 500 rows; returns their sum. */
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
        first_seen_at: NOW,
        last_seen_at: NOW,
        last_seen_date: date,
        vanished_at: null,
        change_seq: await nextSeq(db),
      });
    }
    await db.insertInto('transactions').values(batch).execute();
  }
  return sum;
}

/** Records a finished sync run (the scheduler estimates calls per sync from these). */
export async function seedSyncRun(
  db: Kysely<Database>,
  familyId: string,
  startedAt: string,
  calls: number,
  trigger: 'schedule' | 'cli' | 'web' = 'schedule',
) {
  await db
    .insertInto('sync_runs')
    .values({
      id: randomUUID(),
      family_id: familyId,
      trigger,
      started_at: startedAt,
      finished_at: startedAt,
      outcome: 'succeeded',
      error: null,
      sophtron_calls: calls,
    })
    .execute();
}

/**
 * Small builders that put a family, its connections, accounts, transactions and balances straight
 * into a real ledger database, for tests of modules that read the ledger (exports, scheduler).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccountKind, BalanceRule, Database, LedgerTransactionStatus } from '../../src/store/schema.js';

const NOW = '2026-03-01T12:00:00.000Z';

export async function seedFamily(db: Kysely<Database>, name = 'Test family', id: string = randomUUID()) {
  await db.insertInto('families').values({ id, name, time_zone: 'UTC', created_at: NOW }).execute();
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

export async function seedAccount(
  db: Kysely<Database>,
  familyId: string,
  connectionId: string,
  options: {
    name?: string;
    kind?: AccountKind;
    currency?: string;
    balanceRule?: BalanceRule;
    subType?: string;
    balanceMinor?: number;
  } = {},
) {
  const providerId = randomUUID();
  await db
    .insertInto('provider_accounts')
    .values({
      id: providerId,
      family_id: familyId,
      connection_id: connectionId,
      sophtron_account_id: randomUUID(),
      name: options.name ?? 'Checking',
      number_mask: '1234',
      raw_type: null,
      sub_type: options.subType ?? null,
      type: options.kind ?? 'depository',
      balance_minor: options.balanceMinor ?? null,
      available_minor: null,
      currency_hint: '$',
      last_seen_at: NOW,
    })
    .execute();
  const id = randomUUID();
  await db
    .insertInto('accounts')
    .values({
      id,
      family_id: familyId,
      provider_account_id: providerId,
      name: options.name ?? 'Checking',
      kind: options.kind ?? 'depository',
      currency: options.currency ?? 'USD',
      balance_rule: options.balanceRule ?? 'as_reported',
      sync_start_date: null,
      synced_through: null,
      last_sync_at: null,
      last_sync_outcome: null,
      last_sync_error: null,
      created_at: NOW,
      updated_at: NOW,
    })
    .execute();
  if (options.balanceMinor !== undefined) {
    await db
      .insertInto('balance_snapshots')
      .values({
        account_id: id,
        taken_at: NOW,
        current_minor: options.balanceMinor,
        available_minor: options.balanceMinor,
        currency: options.currency ?? 'USD',
      })
      .execute();
  }
  return id;
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

/**
 * Table types of the ledger database, for Kysely. Each module that owns tables declares them in its
 * own migration (src/store/migrations/NNNN_*.ts) and adds its table interfaces here.
 *
 * Conventions: ids are UUID text except transactions (integer, for compact indexes over large
 * histories); timestamps are ISO-8601 UTC text; calendar dates are `YYYY-MM-DD` text; money is
 * integer minor units beside an ISO 4217 currency code. Booleans are 0/1 integers (SQLite).
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = string;
type CalendarDate = string;

export interface FamiliesTable {
  id: string;
  name: string;
  time_zone: string;
  created_at: Timestamp;
}

/** One Sophtron developer identity per family. The Access Key is sealed by the secret box. */
export interface CredentialsTable {
  family_id: string;
  user_id: string;
  access_key_sealed: string;
  base_url: string | null;
  updated_at: Timestamp;
}

export type ConnectionStatus = 'pending' | 'connected' | 'needs_attention' | 'failed';

/** A bank login at Sophtron (UserInstitution). */
export interface ConnectionsTable {
  id: string;
  family_id: string;
  user_institution_id: string;
  institution_id: string;
  institution_name: string;
  status: ConnectionStatus;
  /** Sophtron's own words, or ours, for why the status is not "connected". */
  status_reason: string | null;
  last_refreshed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** An account as Sophtron reports it; refreshed on every sync, never deleted while linked. */
export interface ProviderAccountsTable {
  id: string;
  family_id: string;
  connection_id: string;
  sophtron_account_id: string;
  name: string;
  number_mask: string | null;
  raw_type: string | null;
  sub_type: string | null;
  type: string;
  balance_minor: number | null;
  available_minor: number | null;
  currency_hint: string | null;
  last_seen_at: Timestamp;
}

export type AccountKind = 'depository' | 'credit_card' | 'investment' | 'loan';
/**
 * How the bank's balance becomes the ledger's: `as_reported` keeps Sophtron's sign, `negate`
 * flips it, `owed_positive` shows a card/loan balance as the positive amount owed (abs).
 */
export type BalanceRule = 'as_reported' | 'negate' | 'owed_positive';

/** A ledger account, linked to at most one provider account. Unlinking keeps its history. */
export interface AccountsTable {
  id: string;
  family_id: string;
  provider_account_id: string | null;
  name: string;
  kind: AccountKind;
  currency: string;
  balance_rule: BalanceRule;
  /** First day the first sync reads; null = SYNC_START_DAYS before linking. */
  sync_start_date: CalendarDate | null;
  /** End of the window of the last successful sync (the next sync starts before it by the overlap). */
  synced_through: CalendarDate | null;
  last_sync_at: Timestamp | null;
  last_sync_outcome: string | null;
  last_sync_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type LedgerTransactionStatus = 'pending' | 'posted' | 'vanished';

export interface TransactionsTable {
  id: Generated<number>;
  account_id: string;
  /** Sophtron's TransactionID; for a merged pending→posted pair, the posted one's. */
  provider_transaction_id: string;
  status: LedgerTransactionStatus;
  amount_minor: number;
  currency: string;
  date: CalendarDate;
  transaction_date: CalendarDate | null;
  post_date: CalendarDate | null;
  description: string | null;
  merchant: string | null;
  category: string | null;
  memo: string | null;
  check_number: string | null;
  /** The pending TransactionID this posted row replaced, if any. */
  replaced_pending_id: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  /** Date the row was last present in a fetched window (drives the vanish grace period). */
  last_seen_date: CalendarDate;
  vanished_at: Timestamp | null;
  /**
   * Global change sequence (from change_counter), set on insert and on every change, so each
   * destination finds "changed since my last delivery" with one indexed range scan.
   */
  change_seq: number;
}

/** A transaction the user deleted: never re-created by a sync unless asked. */
export interface TombstonesTable {
  account_id: string;
  provider_transaction_id: string;
  deleted_at: Timestamp;
  deleted_by: string | null;
}

export interface ChangeCounterTable {
  id: number;
  value: number;
}

export interface BalanceSnapshotsTable {
  id: Generated<number>;
  account_id: string;
  taken_at: Timestamp;
  /** As shown in the ledger (after the account's balance rule). */
  current_minor: number | null;
  available_minor: number | null;
  currency: string;
}

export type SyncTrigger = 'cli' | 'web' | 'schedule' | 'import' | 'api';
export type SyncOutcome = 'running' | 'succeeded' | 'partial' | 'failed';

export interface SyncRunsTable {
  id: string;
  family_id: string;
  trigger: SyncTrigger;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  outcome: SyncOutcome;
  error: string | null;
  sophtron_calls: number;
}

export type AccountSyncOutcome = 'succeeded' | 'failed' | 'needs_attention' | 'skipped';

export interface SyncRunAccountsTable {
  run_id: string;
  account_id: string;
  outcome: AccountSyncOutcome;
  window_from: CalendarDate | null;
  window_to: CalendarDate | null;
  new_count: number;
  updated_count: number;
  merged_count: number;
  vanished_count: number;
  sophtron_calls: number;
  error: string | null;
}

/** Sophtron calls per family, month (YYYY-MM) and endpoint: the quota ledger. */
export interface SophtronUsageTable {
  family_id: string;
  month: string;
  endpoint: string;
  calls: number;
}

export interface Database {
  families: FamiliesTable;
  credentials: CredentialsTable;
  connections: ConnectionsTable;
  provider_accounts: ProviderAccountsTable;
  accounts: AccountsTable;
  transactions: TransactionsTable;
  tombstones: TombstonesTable;
  change_counter: ChangeCounterTable;
  balance_snapshots: BalanceSnapshotsTable;
  sync_runs: SyncRunsTable;
  sync_run_accounts: SyncRunAccountsTable;
  sophtron_usage: SophtronUsageTable;
}

/** For columns whose insert type differs from select (kept here for modules adding tables). */
export type { ColumnType };

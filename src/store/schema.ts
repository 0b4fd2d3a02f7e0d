// Long because: the table types of every ledger table, one interface each; it is the one map of the database, kept whole so a reader sees every table together.
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
/** A nullable column added by a later migration: optional on insert, so older inserts still compile. */
type Added<T> = ColumnType<T | null, T | null | undefined, T | null>;

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
  /** Institution country (ISO 3166 alpha-2) when known: CA makes CAD the default currency at linking. */
  country_code: Added<string>;
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
  /** Sophtron's own tracked/untracked flag. */
  remote_status: Added<string>;
  due_date: Added<CalendarDate>;
  /** Sophtron's LastUpdated of the account, as sent. */
  last_updated: Added<string>;
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
  /** Sophtron AccountID this account was linked to before it was unlinked: linking that account again reuses this one (and its history). */
  previous_sophtron_account_id: Added<string>;
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
  /** The ledger row that was deleted (destinations delete what they delivered for it). */
  transaction_id: Added<number>;
  /** From change_counter at deletion, so destinations find deletions like changes. */
  change_seq: Added<number>;
  /** Why this id is blocked (migration 0011): see TombstoneOrigin. */
  origin: ColumnType<TombstoneOrigin, TombstoneOrigin | undefined, TombstoneOrigin>;
  /** Facts of the deleted row, so a sync recognises it under a new id (null before 0011). */
  status: Added<LedgerTransactionStatus>;
  amount_minor: Added<number>;
  date: Added<CalendarDate>;
  description: Added<string>;
  merchant: Added<string>;
  /** 'deleted' merged row: the pending id it had replaced; 'successor': the deleted pending id. */
  replaced_pending_id: Added<string>;
  /** A deleted pending row: the posted TransactionID found to replace it (then it matches nothing more). */
  successor_id: Added<string>;
}

/**
 * 'deleted': the row the user deleted; 'pending_copy': the pending id a deleted merged row had
 * replaced (the bank may still list it); 'successor': the posted transaction that replaced a
 * deleted pending one (found by the sync).
 */
export type TombstoneOrigin = 'deleted' | 'pending_copy' | 'successor';

/** Small key/value facts about this database (secret key check, command-line family). */
export interface MetaTable {
  key: string;
  value: string;
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

export type SyncTrigger = 'cli' | 'web' | 'schedule' | 'import' | 'api' | 'simplefin';
/** `interrupted`: its process ended mid-run (killed, crashed); found by the next holder of the lock. */
export type SyncOutcome = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

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

/** A person who logs in to the web application; belongs to one family. */
export interface WebUsersTable {
  id: string;
  family_id: string;
  username: string;
  /** scrypt, self-describing: `scrypt$N$r$p$salt$hash` (base64url). */
  password_hash: string;
  role: 'admin' | 'member';
  /** 1 for the instance's first user: may create other families. */
  instance_admin: number;
  created_at: Timestamp;
}

/** A login session; only the SHA-256 of the cookie value is stored. */
export interface WebSessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** A token for scripts using the JSON API; only its SHA-256 is stored. */
export interface WebApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** Failed authentications per bucket (src/store/throttle.ts): web logins and SimpleFIN alike. */
export interface WebLoginAttemptsTable {
  key: string;
  failures: number;
  first_failure_at: Timestamp;
  locked_until: Timestamp | null;
  /** Null only on rows older than migration 0220. */
  last_failure_at: Timestamp | null;
}

/** A device a person logged in from (src/web/auth/devices.ts): only the cookie's SHA-256. */
export interface WebKnownDevicesTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
}

/** Firefly III connection of a family (src/destinations/firefly); the token sealed by the secret box. */
export interface FireflySettingsTable {
  family_id: string;
  url: string;
  token_sealed: string;
  /** JSON of delivery options (pending handling, tag, mapping...). */
  options_json: string;
  updated_at: Timestamp;
}

export type FireflyAccountState = 'creating' | 'linked';

/** Ledger account → Firefly III account, with the last balance comparison. */
export interface FireflyAccountsTable {
  family_id: string;
  account_id: string;
  state: FireflyAccountState;
  firefly_account_id: string | null;
  firefly_name: string;
  /** 'asset' or 'liabilities'. */
  firefly_type: string;
  created_by_us: number;
  opening_balance_minor: number | null;
  opening_balance_date: CalendarDate | null;
  checked_at: Timestamp | null;
  checked_firefly_minor: number | null;
  checked_bank_minor: number | null;
  updated_at: Timestamp;
}

export type FireflyTransactionState =
  'sending' | 'delivered' | 'skipped' | 'paired' | 'failed' | 'deleted_in_firefly' | 'removed';

/** Ledger transaction → Firefly III transaction group (what was delivered, at which change_seq). */
export interface FireflyTransactionsTable {
  family_id: string;
  transaction_id: number;
  account_id: string;
  state: FireflyTransactionState;
  external_id: string;
  firefly_group_id: string | null;
  firefly_journal_id: string | null;
  /** transactions.change_seq that was delivered (or, while 'sending', is being delivered). */
  delivered_seq: number;
  delivered_pending: number;
  delivered_amount_minor: number | null;
  /** Hash of what was sent (without the run's import tag): a change the ledger made that Firefly does not show sends nothing. */
  content_hash: string | null;
  note: string | null;
  /** JSON of what was last sent in the fields a person may edit in Firefly (three-way update). */
  sent_fields: string | null;
  /** 'paired': the ledger transaction (the transfer's other side) this row is delivered with. */
  paired_with: number | null;
  updated_at: Timestamp;
}

/** A family's automatic sync schedule (src/scheduler). */
export interface SchedulesTable {
  family_id: string;
  enabled: number;
  cron: string;
  /** Calls per month this family may use; null = the instance budget (SOPHTRON_MONTHLY_BUDGET). */
  monthly_budget: number | null;
  /** When the scheduler last started a run for this family (the anchor that collapses missed slots). */
  last_run_at: Timestamp | null;
  last_outcome: string | null;
  last_message: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Whether delivery to a destination ('firefly', 'files') follows a scheduled sync; options as JSON. */
export interface ScheduleDestinationsTable {
  family_id: string;
  destination: string;
  enabled: number;
  options: string;
  last_delivery_at: Timestamp | null;
  last_outcome: string | null;
  last_message: string | null;
  updated_at: Timestamp;
}

/** A lock held by one process until `expires_at` (renewed by heartbeats). */
export interface SchedulerLocksTable {
  name: string;
  owner: string;
  acquired_at: Timestamp;
  expires_at: Timestamp;
}

/** Retry state of a failing connection ('*' = the family's whole sync). */
export interface SchedulerBackoffTable {
  family_id: string;
  connection_id: string;
  failures: number;
  next_attempt_at: Timestamp;
  last_error: string | null;
  updated_at: Timestamp;
}

export type NotificationChannelKind = 'webhook' | 'ntfy' | 'email';

export interface NotificationChannelsTable {
  id: string;
  family_id: string;
  kind: NotificationChannelKind;
  name: string;
  enabled: number;
  on_success: number;
  /** Non-secret settings as JSON (URL, SMTP host, addresses). */
  settings: string;
  /** Secret settings as sealed JSON (SMTP password, webhook headers, ntfy token). */
  secret_sealed: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type IncidentKind = 'failure' | 'needs_attention';

/** One open row per failing subject ('sync', 'connection:<id>', 'delivery:<destination>'). */
export interface IncidentsTable {
  id: string;
  family_id: string;
  subject: string;
  kind: IncidentKind;
  message: string;
  occurrences: number;
  opened_at: Timestamp;
  last_seen_at: Timestamp;
  resolved_at: Timestamp | null;
}

/** The last transactions.change_seq a file destination delivered. */
export interface ExportCursorsTable {
  family_id: string;
  destination: string;
  change_seq: number;
  updated_at: Timestamp;
}

/** A SimpleFIN setup token and the Access URL claiming it gave (src/simplefin); secrets only as SHA-256. */
export interface SimplefinTokensTable {
  id: string;
  family_id: string;
  name: string;
  /** The SimpleFIN root URL the app was given (`https://host/simplefin`); the Access URL is built on it. */
  root_url: string;
  /** The web user who created it; null from the command line. */
  created_by: string | null;
  created_at: Timestamp;
  claim_hash: string;
  claim_expires_at: Timestamp;
  claimed_at: Timestamp | null;
  /** Claims refused after the token was claimed: someone else may hold the setup token. */
  refused_claims: Generated<number>;
  last_refused_claim_at: Timestamp | null;
  access_user_hash: string | null;
  access_secret_hash: string | null;
  /** The Access URL (and an unclaimed token) stops working then; null = no expiry. */
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** A request finding the accounts' last sync older than this starts a sync (within the quota). */
  refresh_hours: number | null;
  last_used_at: Timestamp | null;
  use_count: Generated<number>;
  rate_window_start: Timestamp | null;
  rate_window_count: Generated<number>;
}

export interface SimplefinTokenAccountsTable {
  token_id: string;
  account_id: string;
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
  firefly_settings: FireflySettingsTable;
  firefly_accounts: FireflyAccountsTable;
  firefly_transactions: FireflyTransactionsTable;
  meta: MetaTable;
  web_users: WebUsersTable;
  web_sessions: WebSessionsTable;
  web_api_tokens: WebApiTokensTable;
  web_login_attempts: WebLoginAttemptsTable;
  web_known_devices: WebKnownDevicesTable;
  schedules: SchedulesTable;
  schedule_destinations: ScheduleDestinationsTable;
  scheduler_locks: SchedulerLocksTable;
  scheduler_backoff: SchedulerBackoffTable;
  notification_channels: NotificationChannelsTable;
  incidents: IncidentsTable;
  export_cursors: ExportCursorsTable;
  simplefin_tokens: SimplefinTokensTable;
  simplefin_token_accounts: SimplefinTokenAccountsTable;
  import_drafts: ImportDraftsTable;
  connect_sessions: ConnectSessionsTable;
  web_tasks: WebTasksTable;
  web_task_lines: WebTaskLinesTable;
}

export interface ImportDraftsTable {
  id: string;
  family_id: string;
  /** Hash of the login session that started the wizard (only it may continue it). */
  owner_session: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The draft as JSON (web/import/drafts.ts). */
  data: string;
}

/** A bank connect a person watches (migration 0540; src/store/connect-sessions.ts). */
export interface ConnectSessionsTable {
  id: string;
  family_id: string;
  /** Hash of the login session that started it (only it may see or answer it). */
  owner_session: string;
  /** JSON: { id, name, countryCode } of the institution. */
  institution: string;
  started_at: Timestamp;
  updated_at: Timestamp;
  phase: string;
  step: string | null;
  status: string | null;
  polls: Generated<number>;
  /** JSON of the Challenge waiting for the person (a captcha image as base64); null when none waits. */
  challenge: string | null;
  challenge_seq: Generated<number>;
  /** The person's answer to challenge `answer_seq`, sealed; cleared once the driver took it. */
  answer: string | null;
  answer_seq: number | null;
  message: string | null;
  connection_id: string | null;
  cancelled: Generated<number>;
}

/** A long task started from a page, with its latest progress (migration 0540; src/store/web-tasks.ts). */
export interface WebTasksTable {
  id: string;
  family_id: string;
  kind: string;
  started_at: Timestamp;
  updated_at: Timestamp;
  progress_value: Generated<number>;
  progress_max: Generated<number>;
  progress_label: string;
  /** The seq of the task's newest line. */
  line_seq: Generated<number>;
  /** JSON { ok, redirect, message } once it ended. */
  done: string | null;
}

/** One finished step of a task, listed under its progress bar (only the newest are kept). */
export interface WebTaskLinesTable {
  task_id: string;
  seq: number;
  text: string;
}

/** For columns whose insert type differs from select (kept here for modules adding tables). */
export type { ColumnType };

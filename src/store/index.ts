/**
 * The ledger store: the database plus the secret box and every repository, bound together.
 * Callers use these functions (each scoped by family) and never SQL dialect details, so a
 * PostgreSQL dialect can be added in src/store/database.ts without changing them.
 */
import { rmSync } from 'node:fs';
import type { Config } from '../config.js';
import { accountViewsRepository } from './account-views.js';
import { accountsRepository } from './accounts.js';
import { balancesRepository } from './balances.js';
import { connectSessionsRepository } from './connect-sessions.js';
import { connectionsRepository } from './connections.js';
import { credentialsRepository } from './credentials.js';
import { openDatabase } from './database.js';
import type { DatabaseDialect } from './dialect.js';
import { exportsRepository } from './exports.js';
import { familiesRepository } from './families.js';
import { fireflyDeliveryRepository } from './firefly-delivery.js';
import { fireflySettingsRepository } from './firefly-settings.js';
import { importDraftsRepository } from './import-drafts.js';
import { META_KEY_CHECK, getMeta, setMetaIfAbsent } from './meta.js';
import {
  createSecretBox,
  loadSecretKey,
  makeKeyCheck,
  missingKeyForDatabaseMessage,
  SecretKeyError,
  verifyKeyCheck,
  type SecretBox,
  type SecretKey,
} from './secret-box.js';
import { scheduleDestinationsRepository } from './schedule-destinations.js';
import { simplefinRepository } from './simplefin.js';
import { syncRunsRepository } from './sync-runs.js';
import { transactionsRepository } from './transactions.js';
import { usageRepository } from './usage.js';
import { webTasksRepository } from './web-tasks.js';
import { usersRepository } from './users.js';
import { sessionsRepository } from './sessions.js';
import { devicesRepository } from './devices.js';
import { apiTokensRepository } from './api-tokens.js';
import { throttleRepository } from './throttle.js';
import { scheduleFiguresRepository, schedulerBackoffRepository, schedulesRepository } from './schedules.js';
import { incidentsRepository, notificationChannelsRepository } from './notifications.js';
import { syncLockRepository } from './sync-lock.js';
import { ledgerWritesRepository } from './ledger-writes.js';
import type { Db } from './util.js';

export function bindRepositories(db: Db, secrets: SecretBox) {
  return {
    ...familiesRepository(db),
    ...credentialsRepository(db, secrets),
    ...connectionsRepository(db),
    ...accountsRepository(db),
    ...accountViewsRepository(db),
    ...transactionsRepository(db),
    ...balancesRepository(db),
    ...syncRunsRepository(db),
    ...usageRepository(db),
    ...simplefinRepository(db),
    ...importDraftsRepository(db),
    ...connectSessionsRepository(db, secrets),
    ...webTasksRepository(db),
    ...scheduleDestinationsRepository(db),
    ...usersRepository(db),
    ...sessionsRepository(db),
    ...devicesRepository(db),
    ...apiTokensRepository(db),
    ...throttleRepository(db),
    ...schedulesRepository(db),
    ...schedulerBackoffRepository(db),
    ...scheduleFiguresRepository(db),
    ...notificationChannelsRepository(db, secrets),
    ...incidentsRepository(db),
    ...syncLockRepository(db),
    ...exportsRepository(db),
    ...fireflySettingsRepository(db, secrets),
    ...fireflyDeliveryRepository(db),
    ...ledgerWritesRepository(db),
  };
}

export type Repositories = ReturnType<typeof bindRepositories>;

/** The repositories bound to one database transaction (see Store.transaction). */
export type StoreTx = Repositories & { db: Db; secrets: SecretBox };

export type Store = Repositories & {
  db: Db;
  secrets: SecretBox;
  /** The database file (or ':memory:'), or the PostgreSQL address without its password. */
  filename: string;
  dialect: DatabaseDialect;
  /** Runs `fn` in one database transaction; repository calls on `tx` are part of it. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export interface OpenStoreOptions {
  dataDir: string;
  /** An explicit database file (or ':memory:'), overriding `<dataDir>/sophtron-sync.sqlite`. */
  filename?: string;
  /** DATABASE_URL (`sqlite:<file>` or `postgres://…`), overriding filename and the data folder's file. */
  databaseUrl?: string;
  databasePoolSize?: number;
  /** SECRET_KEY / SECRET_KEY_FILE values (as in Config), or a key already loaded. */
  secretKey?: string;
  secretKeyFile?: string;
  key?: SecretKey;
  /** Called once when a key file was generated into the data folder. */
  onKeyGenerated?: (file: string) => void;
}

/**
 * Opens (and migrates) the database, loads the secret key, and checks it against the key check
 * stored at first open: a different key fails here with a clear message, before any secret is read.
 */
export async function openStore(
  input:
    | Pick<Config, 'dataDir' | 'secretKey' | 'secretKeyFile' | 'databaseUrl' | 'databasePoolSize'>
    | OpenStoreOptions,
  extra: { onKeyGenerated?: (file: string) => void } = {},
): Promise<Store> {
  const options = input as OpenStoreOptions;
  // The program says so once, when the key is made: the file must be backed up with the data.
  const onGenerated =
    options.onKeyGenerated ??
    extra.onKeyGenerated ??
    ((file: string) =>
      process.stderr.write(
        `note: generated a secret key in ${file} (it encrypts stored credentials; back it up with your data, or set SECRET_KEY)\n`,
      ));
  const key =
    options.key ??
    loadSecretKey(
      { secretKey: options.secretKey, secretKeyFile: options.secretKeyFile },
      { dataDir: options.dataDir, onGenerated },
    );
  const secrets = createSecretBox(key.key);
  const opened = await openDatabase({
    dataDir: options.dataDir,
    filename: options.filename,
    url: options.databaseUrl,
    poolSize: options.databasePoolSize,
  });
  try {
    const stored = await getMeta(opened.db, META_KEY_CHECK);
    if (stored === undefined) {
      const winner = await setMetaIfAbsent(opened.db, META_KEY_CHECK, makeKeyCheck(secrets));
      verifyKeyCheck(secrets, winner, key);
    } else if (key.generated && key.file && opened.dialect === 'postgres') {
      // The folder was empty but the database is not (PostgreSQL lives elsewhere): name the lost key.
      throw new SecretKeyError(missingKeyForDatabaseMessage(key.file, opened.filename));
    } else {
      verifyKeyCheck(secrets, stored, key);
    }
  } catch (err) {
    await opened.close();
    // A key made just now for a database that already had one opens nothing: leave none behind.
    if (key.generated && key.file && err instanceof SecretKeyError) rmSync(key.file, { force: true });
    throw err;
  }
  const db = opened.db;
  return {
    db,
    secrets,
    filename: opened.filename,
    dialect: opened.dialect,
    ...bindRepositories(db, secrets),
    transaction: (fn) =>
      db.transaction().execute((trx) => fn({ db: trx, secrets, ...bindRepositories(trx, secrets) })),
    close: () => opened.close(),
  };
}

export { StoreError } from './util.js';
export { SecretKeyError, SecretOpenError } from './secret-box.js';
export type { SecretBox } from './secret-box.js';
export * from './account-rules.js';
export type {
  Account,
  ProviderAccount,
  ProviderAccountListing,
  SyncableAccount,
  LinkOptions,
} from './accounts.js';
export type { BalanceSnapshot } from './balances.js';
export type { Connection, ConnectionInput } from './connections.js';
export type { CredentialsDescription, SophtronCredentials } from './credentials.js';
export type { Family } from './families.js';
export type { ScheduleDestination } from './schedule-destinations.js';
export { summarizeOutcome, type SyncRun, type SyncRunAccount, type AccountResult } from './sync-runs.js';
export {
  nextChangeSeq,
  type LedgerTransaction,
  type Tombstone,
  type TransactionFilter,
} from './transactions.js';
export { usageMonth } from './usage.js';
export type {
  ClaimResult,
  SimplefinAccountRow,
  SimplefinToken,
  SimplefinTokenListing,
  SimplefinTransactionRow,
} from './simplefin.js';
export type { WebUser, UserRole } from './users.js';
export type { StoredSession } from './sessions.js';
export type { TokenUser } from './api-tokens.js';
export type { BackoffRow, EnabledSchedule, ScheduleRow } from './schedules.js';
export {
  RESOLVED_INCIDENT_KEEP_DAYS,
  type Incident,
  type IncidentChange,
  type NotificationChannelRecord,
  type Outcome,
} from './notifications.js';
export type { LockHolder, SyncLockRepository } from './sync-lock.js';
export type { ExportRowsFilter } from './exports.js';
export {
  deliveryOptionsSchema,
  type FireflySettings,
  type StoredDeliveryOptions,
} from './firefly-settings.js';
export type {
  CandidateFilter,
  DeliverableAccount,
  DeliveryCandidate,
  DeliveryLedgerRow,
  DeliveryRecord,
  DeliveryWrite,
  FireflyAccountLink,
  FireflyAccountRow,
  FireflyDeliveryRepository,
  FireflyTransactionRow,
  TransferSideRow,
} from './firefly-delivery.js';
export type {
  DeletedPendingLedgerRow,
  LedgerForSync,
  LedgerSyncRow,
  LedgerWriteContext,
  LedgerWrites,
  SyncedFields,
} from './ledger-writes.js';

/**
 * A real ledger (a SQLite file in a temporary folder, or a PostgreSQL database of its own) with one
 * family, connection, provider account and linked account, for tests of the sync engine's database side.
 * The sync engine gets the store; `db` (the same database) is there to seed and inspect rows.
 */
import type { OpenedDatabase } from '../../src/store/database.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from '../helpers/databases.js';

export interface LedgerFixture extends OpenedDatabase {
  familyId: string;
  accountId: string;
  sophtronAccountId: string;
  /** The store over this database, as the product opens it. */
  store: Store;
  /** The database under the fixture (its kind, folder, URL; open() for a second connection). */
  database: TestDatabase;
  dispose(): Promise<void>;
}

export async function openLedgerFixture(
  options: { timeZone?: string; kind?: TestDatabaseKind } = {},
): Promise<LedgerFixture> {
  const database = await createTestDatabase(options.kind);
  const store = await openStore(
    { dataDir: database.dataDir, databaseUrl: database.url },
    { onKeyGenerated: () => {} },
  );
  const opened: OpenedDatabase = store;
  const now = new Date().toISOString();
  const { db } = opened;
  await db
    .insertInto('families')
    .values({ id: 'fam', name: 'Test', time_zone: options.timeZone ?? 'UTC', created_at: now })
    .execute();
  await db
    .insertInto('connections')
    .values({
      id: 'conn',
      family_id: 'fam',
      user_institution_id: 'ui-1',
      institution_id: 'inst-1',
      institution_name: 'Test Bank',
      status: 'connected',
      status_reason: null,
      last_refreshed_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('provider_accounts')
    .values({
      id: 'pa',
      family_id: 'fam',
      connection_id: 'conn',
      sophtron_account_id: 'acct',
      name: 'Checking',
      number_mask: 'xxx1234',
      raw_type: 'Checking',
      sub_type: null,
      type: 'checking',
      balance_minor: null,
      available_minor: null,
      currency_hint: '$',
      last_seen_at: now,
    })
    .execute();
  await db
    .insertInto('accounts')
    .values({
      id: 'acc',
      family_id: 'fam',
      provider_account_id: 'pa',
      name: 'Checking',
      kind: 'depository',
      currency: 'USD',
      balance_rule: 'as_reported',
      sync_start_date: null,
      synced_through: null,
      last_sync_at: null,
      last_sync_outcome: null,
      last_sync_error: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return {
    db,
    filename: store.filename,
    dialect: store.dialect,
    close: () => store.close(),
    store,
    familyId: 'fam',
    accountId: 'acc',
    sophtronAccountId: 'acct',
    database,
    async dispose() {
      await store.close().catch(() => undefined);
      await database.dispose();
    },
  };
}

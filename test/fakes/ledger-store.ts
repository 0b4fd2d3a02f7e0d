/**
 * Helpers for tests that use the real ledger store: a store on a fresh database (SQLite in a tmp
 * folder, or PostgreSQL) with its own key, and provider account data as the Sophtron client returns it.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from '../helpers/databases.js';
import type { ProviderAccountData, ProviderTransactionData } from '../../src/domain/types.js';
import { openStore, type Store } from '../../src/store/index.js';

export async function openTempStore(kind?: TestDatabaseKind): Promise<{
  store: Store;
  dataDir: string;
  secretKey: string;
  database: TestDatabase;
  cleanup(): Promise<void>;
}> {
  const database = await createTestDatabase(kind);
  const secretKey = randomBytes(32).toString('base64');
  const store = await openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey });
  return {
    store,
    dataDir: database.dataDir,
    secretKey,
    database,
    async cleanup() {
      await store.close().catch(() => {});
      await database.dispose();
    },
  };
}

export const providerAccount = (over: Partial<ProviderAccountData> = {}): ProviderAccountData => ({
  accountId: 'acc-1',
  userInstitutionId: 'ui-1',
  name: 'Everyday Checking',
  numberMask: 'xxx1234',
  rawType: 'Checking',
  subType: null,
  type: 'checking',
  balance: 123_45,
  availableBalance: 100_00,
  currencyHint: '$',
  status: 'tracked',
  lastUpdated: null,
  dueDate: null,
  ...over,
});

/** A fetched transaction as the Sophtron client returns it; tests override what they are about. */
export const providerTransaction = (
  over: Partial<ProviderTransactionData> & Pick<ProviderTransactionData, 'transactionId'>,
): ProviderTransactionData => ({
  accountId: 'acct',
  status: 'posted',
  amount: -1250,
  currencyHint: '$',
  date: '2026-03-10',
  transactionDate: null,
  postDate: null,
  description: 'STARBUCKS STORE 123',
  merchant: null,
  category: null,
  memo: null,
  checkNumber: null,
  type: 'debit',
  ...over,
});

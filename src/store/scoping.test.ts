/**
 * Family scoping: every repository function given another family's id finds nothing and changes
 * nothing. The list of cases must name every function the store exposes, so a new repository
 * function without a scoping case fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import { openStore, type Store } from './index.js';
import type { Database } from './schema.js';
import { providerAccount } from '../../test/fakes/ledger-store.js';
import { fireflyLink, seedTransaction } from '../../test/fakes/ledger-seed.js';

let database: TestDatabase;
let s: Store;
let a: string; // the owner
let b: string; // the intruder
const ids = {
  connection: '',
  providerAccount: '',
  account: '',
  account2: '',
  tx: 0,
  run: '',
  simplefin: '',
  user: '',
};
let channel = ''; // the owner's notification channel

const TABLES: (keyof Database)[] = [
  'families',
  'credentials',
  'connections',
  'provider_accounts',
  'accounts',
  'transactions',
  'tombstones',
  'balance_snapshots',
  'sync_runs',
  'sync_run_accounts',
  'sophtron_usage',
  'simplefin_tokens',
  'simplefin_token_accounts',
  'import_drafts',
  'connect_sessions',
  'web_tasks',
  'web_task_lines',
  'web_users',
  'schedules',
  'schedule_destinations',
  'scheduler_backoff',
  'notification_channels',
  'incidents',
  'export_cursors',
  'firefly_settings',
  'firefly_accounts',
  'firefly_transactions',
];
const snapshot = async () =>
  Object.fromEntries(
    await Promise.all(TABLES.map(async (t) => [t, await s.db.selectFrom(t).selectAll().execute()] as const)),
  );

beforeAll(async () => {
  database = await createTestDatabase();
  s = await openStore({ dataDir: database.dataDir, databaseUrl: database.url }, { onKeyGenerated: () => {} });
  a = (await s.createFamily({ name: 'Owner', timeZone: 'UTC' })).id;
  b = (await s.createFamily({ name: 'Intruder', timeZone: 'UTC' })).id;
  await s.saveCredentials(a, { userId: 'ua', accessKey: 'YQ==', baseUrl: null });
  const c = await s.upsertConnection(a, {
    userInstitutionId: 'ui-1',
    institutionId: 'i',
    institutionName: 'Bank',
    status: 'connected',
  });
  ids.connection = c.id;
  const [pa] = await s.upsertProviderAccounts(a, c.id, [
    providerAccount(),
    providerAccount({ accountId: 'acc-2' }),
    providerAccount({ accountId: 'acc-3' }),
  ]);
  ids.providerAccount = pa!.id;
  ids.account = (await s.linkAccount(a, 'acc-1')).account.id;
  ids.account2 = (await s.linkAccount(a, 'acc-2')).account.id;
  ids.tx = await seedTransaction(s.db, ids.account, {
    providerId: 't1',
    amountMinor: -100,
    date: '2026-01-01',
    description: 'Coffee',
  });
  await s.db
    .insertInto('tombstones')
    .values({ account_id: ids.account, provider_transaction_id: 't0', deleted_at: 'x', deleted_by: null })
    .execute();
  await s.recordBalance(a, ids.account, { currentMinor: 1, availableMinor: 1 });
  ids.run = (await s.createRun(a, 'cli')).id;
  await s.recordAccountResult(a, ids.run, { accountId: ids.account, outcome: 'succeeded' });
  await s.incrementUsage(a, 'X', 5);
  const token = await s.createSimplefinToken(a, {
    name: 'Actual',
    accountIds: [ids.account],
    rootUrl: 'https://x/simplefin',
    claimHash: 'c',
    claimExpiresAt: '9999',
    expiresAt: null,
    refreshHours: null,
    createdBy: null,
    now: '2026-01-01T00:00:00.000Z',
  });
  ids.simplefin = token.id;
  await s.saveImportDraft(a, {
    id: 'draft-a',
    ownerSession: 'sa',
    createdAt: '2026-01-01T00:00:00Z',
    data: '{}',
  });
  const institution = { id: 'i', name: 'Bank', countryCode: null };
  await s.createConnectSession(a, { id: 'cs-a', ownerSession: 'sa', institution, step: 'x', startedAt: 0 });
  await s.setConnectChallenge(a, 'cs-a', { kind: 'token_input', label: 'Code' });
  await s.answerConnectChallenge(a, 'cs-a', 1, { kind: 'token_input', code: '123456' });
  await s.createTask(a, {
    id: 'task-a',
    kind: 'sync',
    startedAt: 0,
    progress: { value: 0, max: 1, label: 'x' },
  });
  await s.addTaskLine(a, 'task-a', 'a line');
  await s.claimSimplefinToken('c', { userHash: 'u', secretHash: 'p' }, '2026-01-01T00:00:01.000Z');
  ids.user = await s.createUser({ familyId: a, username: 'owner', passwordHash: 'h', role: 'admin' });
  await s.saveSchedule(a, { enabled: true, cron: '0 5 * * *', monthlyBudget: 100 }, 'x');
  await s.recordBackoffFailure(a, ids.connection, 'x', new Date(0), () => 1);
  await s.saveDestination(a, 'files', { enabled: true, options: {} }, 'x');
  channel = await s.addNotificationChannel(
    a,
    { kind: 'webhook', name: 'hook', enabled: true, onSuccess: false, settings: {}, secret: { url: 'x' } },
    new Date(),
  );
  await s.recordIncidentOutcome(a, `connection:${ids.connection}`, {
    ok: false,
    kind: 'failure',
    message: 'x',
  });
  await s.saveExportCursor(a, 'files:csv:/x', 1, new Date('2026-01-01T00:00:00Z'));
  await s.saveFireflySettings(a, { url: 'http://firefly.local', token: 't' });
  await s.upsertFireflyAccount(a, fireflyLink(a, ids.account));
  await s.writeDelivery(a, deliveryRecord(a));
});

const deliveryRecord = (familyId: string) => ({
  family_id: familyId,
  transaction_id: ids.tx,
  account_id: ids.account,
  state: 'delivered' as const,
  external_id: 'ext-1',
  firefly_group_id: 'g1',
  firefly_journal_id: null,
  delivered_seq: 1,
  delivered_pending: 1,
  delivered_amount_minor: -100,
  content_hash: null,
  note: null,
  sent_fields: null,
  paired_with: null,
});
const ofAnotherFamily = (err: Error) => void expect(err.message).toMatch(/of another family/);

afterAll(async () => {
  await s.close();
  await database.dispose();
});

type Case = () => Promise<unknown>;
const nothing = (v: unknown) => {
  if (v === undefined || v === null || v === false || v === 0) return;
  if (Array.isArray(v)) return expect(v).toEqual([]);
  if (v instanceof Set || v instanceof Map) return expect(v.size).toBe(0);
  if (typeof v === 'object' && v && 'rows' in v) return expect(v).toEqual({ rows: [], total: 0, next: null });
  throw new Error(`expected nothing, got ${JSON.stringify(v)}`);
};

// Reads and writes with the intruder's family id and the owner's object ids.
const cases: Record<string, Case | 'not family-owned'> = {
  createFamily: 'not family-owned',
  getFamily: 'not family-owned',
  familyTimeZone: 'not family-owned',
  listFamilies: 'not family-owned',
  updateFamily: 'not family-owned',
  deleteFamily: 'not family-owned',
  saveCredentials: 'not family-owned', // writes the caller's own row only (primary key = family id)
  getCredentials: () => s.getCredentials(b),
  describeCredentials: () => s.describeCredentials(b),
  deleteCredentials: () => s.deleteCredentials(b),
  getConnection: () => s.getConnection(b, ids.connection),
  findConnectionByUserInstitution: () => s.findConnectionByUserInstitution(b, 'ui-1'),
  listConnections: () => s.listConnections(b),
  upsertConnection: 'not family-owned', // creates the caller's own row: checked below
  setConnectionStatus: () => s.setConnectionStatus(b, ids.connection, 'failed', 'x'),
  markConnectionRefreshed: () => s.markConnectionRefreshed(b, ids.connection),
  deleteConnection: () => s.deleteConnection(b, ids.connection),
  getAccount: () => s.getAccount(b, ids.account),
  listAccounts: () => s.listAccounts(b),
  listSyncableAccounts: () => s.listSyncableAccounts(b, [ids.account]),
  listAccountsWithBalance: () => s.listAccountsWithBalance(b),
  connectionsNeedingAttention: () => s.connectionsNeedingAttention(b),
  getProviderAccount: () => s.getProviderAccount(b, ids.providerAccount),
  listProviderAccounts: () => s.listProviderAccounts(b, { connectionId: ids.connection }),
  upsertProviderAccounts: () =>
    s.upsertProviderAccounts(b, ids.connection, [providerAccount()]).then(
      () => 'stored!',
      (err: Error) => void expect(err.message).toMatch(/not found/),
    ),
  linkAccount: () =>
    s.linkAccount(b, 'acc-3').then(
      () => 'linked!',
      (err: Error) => void expect(err.message).toMatch(/no provider account/),
    ),
  unlinkAccount: () => s.unlinkAccount(b, ids.account),
  updateAccount: () => s.updateAccount(b, ids.account, { name: 'pwned', kind: 'loan' }),
  setAccountSyncState: () => s.setAccountSyncState(b, ids.account, { outcome: 'failed' }),
  setSyncedThrough: () => s.setSyncedThrough(b, ids.account, '2030-01-01'),
  deleteAccount: () => s.deleteAccount(b, ids.account2),
  listTransactions: () => s.listTransactions(b, { accountId: ids.account }),
  getTransaction: () => s.getTransaction(b, ids.tx),
  deleteTransaction: () => s.deleteTransaction(b, ids.tx),
  tombstonedIds: () => s.tombstonedIds(b, ids.account),
  listTombstones: () => s.listTombstones(b, { accountId: ids.account }),
  removeTombstone: () => s.removeTombstone(b, ids.account, 't0'),
  listChangedSince: () => s.listChangedSince(b, 0),
  countTransactions: () => s.countTransactions(b, ids.account),
  recordBalance: () => s.recordBalance(b, ids.account, { currentMinor: 9, availableMinor: 9 }),
  latestBalance: () => s.latestBalance(b, ids.account),
  latestBalances: () => s.latestBalances(b),
  listBalances: () => s.listBalances(b, ids.account),
  dailyPostedTotals: () => s.dailyPostedTotals(b, ids.account, '9999-12-31'),
  createRun: 'not family-owned', // creates the caller's own run
  recordAccountResult: () =>
    s.recordAccountResult(b, ids.run, { accountId: ids.account, outcome: 'failed' }).then(
      () => 'recorded!',
      (err: Error) => void expect(err.message).toMatch(/not found/),
    ),
  finishRun: () => s.finishRun(b, ids.run, { outcome: 'failed' }),
  getRun: () => s.getRun(b, ids.run),
  listRuns: () => s.listRuns(b),
  runningRun: () => s.runningRun(b),
  failInterruptedRuns: () => s.failInterruptedRuns(b, '9999'),
  incrementUsage: 'not family-owned', // counts the caller's own calls
  monthTotal: () => s.monthTotal(b),
  instanceMonthTotal: 'not family-owned',
  usageByEndpoint: () => s.usageByEndpoint(b),
  createSimplefinToken: () =>
    s
      .createSimplefinToken(b, {
        name: 'x',
        accountIds: [ids.account],
        rootUrl: 'https://x/simplefin',
        claimHash: 'c2',
        claimExpiresAt: '9999',
        expiresAt: null,
        refreshHours: null,
        createdBy: null,
        now: 'x',
      })
      .then(
        () => 'created!',
        (err: Error) => void expect(err.message).toMatch(/not a linked account of this family/),
      ),
  saveImportDraft: () =>
    s.saveImportDraft(b, {
      id: 'draft-a',
      ownerSession: 'x',
      createdAt: '2026-01-01T00:00:00Z',
      data: '{"x":1}',
    }),
  getImportDraft: () => s.getImportDraft(b, 'draft-a'),
  pruneImportDrafts: () => s.pruneImportDrafts(b, '9999'),
  createConnectSession: () =>
    s.createConnectSession(b, {
      id: 'cs-a',
      ownerSession: 'x',
      institution: { id: 'i', name: 'Mine', countryCode: null },
      step: 'x',
      startedAt: 0,
    }),
  getConnectSession: () => s.getConnectSession(b, 'cs-a'),
  updateConnectSession: () => s.updateConnectSession(b, 'cs-a', { phase: 'failed', message: 'x' }),
  setConnectChallenge: () => s.setConnectChallenge(b, 'cs-a', { kind: 'token_input', label: 'x' }),
  answerConnectChallenge: () => s.answerConnectChallenge(b, 'cs-a', 1, { kind: 'token_input', code: '1' }),
  takeConnectAnswer: () => s.takeConnectAnswer(b, 'cs-a', 1),
  cancelConnectSession: () => s.cancelConnectSession(b, 'cs-a'),
  pruneConnectSessions: () => s.pruneConnectSessions(b, '9999'),
  createTask: () =>
    s.createTask(b, { id: 'task-a', kind: 'x', startedAt: 0, progress: { value: 1, max: 1, label: 'x' } }),
  getTask: () => s.getTask(b, 'task-a'),
  setTaskProgress: () => s.setTaskProgress(b, 'task-a', { value: 1, max: 1, label: 'x' }),
  touchTask: () => s.touchTask(b, 'task-a'),
  addTaskLine: () => s.addTaskLine(b, 'task-a', 'x'),
  listTaskLines: () => s.listTaskLines(b, 'task-a'),
  finishTask: () => s.finishTask(b, 'task-a', { ok: false, redirect: null, message: 'x' }),
  pruneTasks: () => s.pruneTasks(b, '9999'),
  listSimplefinTokens: () => s.listSimplefinTokens(b),
  getSimplefinToken: () => s.getSimplefinToken(b, ids.simplefin),
  revokeSimplefinToken: () => s.revokeSimplefinToken(b, ids.simplefin, 'x'),
  claimSimplefinToken: 'not family-owned', // found by the hash of its one-time code
  findSimplefinAccess: 'not family-owned', // found by the hash of the Access URL's user
  countSimplefinRequest: () => s.countSimplefinRequest(b, ids.simplefin, 'x', 'x'),
  simplefinAccounts: () => s.simplefinAccounts(b, ids.simplefin),
  simplefinTransactions: () =>
    s.simplefinTransactions(b, ids.account, {
      from: null,
      to: null,
      includePending: true,
      after: null,
      limit: 100,
    }),
  listDestinations: () => s.listDestinations(b),
  countUsers: 'not family-owned', // counts the instance's users (first run)
  findUserByName: 'not family-owned', // user names are unique across the instance (one login page)
  createUser: 'not family-owned', // creates a user of the caller's own family
  listFamilyUsers: () => s.listFamilyUsers(b),
  userPasswordHash: () => s.userPasswordHash(b, ids.user),
  setUserPasswordHash: () => s.setUserPasswordHash(b, ids.user, 'pwned'),
  // Sessions, devices and API tokens are found by a cookie's or token's hash, or belong to the
  // user of the session: no family id comes from the request.
  insertSession: 'not family-owned',
  findSession: 'not family-owned',
  deleteSession: 'not family-owned',
  deleteOtherSessions: 'not family-owned',
  findKnownDevice: 'not family-owned',
  touchKnownDevice: 'not family-owned',
  addKnownDevice: 'not family-owned',
  insertApiToken: 'not family-owned',
  listApiTokens: 'not family-owned',
  deleteApiToken: 'not family-owned',
  revokeAllApiTokens: 'not family-owned',
  useApiToken: 'not family-owned',
  throttleWait: 'not family-owned', // failed-login buckets, by address and user name
  recordThrottleFailure: 'not family-owned',
  clearThrottle: 'not family-owned',
  getScheduleRow: () => s.getScheduleRow(b),
  hasSchedule: () => s.hasSchedule(b),
  saveSchedule: 'not family-owned', // writes the caller's own row only (primary key = family id)
  scheduleMonthlyBudget: () => s.scheduleMonthlyBudget(b).then((v) => void expect(v).toBeNull()),
  setScheduleOutcome: () => s.setScheduleOutcome(b, 'failed', 'x', 'x'),
  enabledScheduleFamilies: 'not family-owned', // every family the scheduler ticks over
  otherEnabledSchedules: 'not family-owned', // the other families' schedules share the instance budget
  backoffOf: () => s.backoffOf(b),
  backoffWithInstitutions: () => s.backoffWithInstitutions(b),
  recordBackoffFailure: 'not family-owned', // writes the caller's own row only
  clearBackoff: () => s.clearBackoff(b, ids.connection),
  linkedAccountCount: () => s.linkedAccountCount(b),
  recentSyncCalls: () => s.recentSyncCalls(b, 5),
  lastRunStartedAt: () => s.lastRunStartedAt(b),
  scheduledRunOutcomeSince: () => s.scheduledRunOutcomeSince(b, ''),
  destinationOptions: () => s.destinationOptions(b, 'files'),
  saveDestination: 'not family-owned', // writes the caller's own row only
  recordDeliveryOutcome: () => s.recordDeliveryOutcome(b, 'files', 'failed', 'x', 'x'),
  addNotificationChannel: 'not family-owned', // creates the caller's own row
  notificationChannels: () => s.notificationChannels(b, [channel]),
  updateNotificationChannel: () => s.updateNotificationChannel(b, channel, { name: 'pwned' }),
  removeNotificationChannel: () => s.removeNotificationChannel(b, channel),
  recordIncidentOutcome: () =>
    s
      .recordIncidentOutcome(b, `connection:${ids.connection}`, { ok: true })
      .then((r) => void expect(r).toEqual({ change: 'none' })),
  openIncidents: () => s.openIncidents(b),
  cleanupIncidents: 'not family-owned', // housekeeping over every family
  institutionNames: () => s.institutionNames(b, [ids.connection]),
  // Locks are found by name (`sync:<family id>`, src/store/family-lock.ts); the name carries the family.
  acquireLock: 'not family-owned',
  renewLock: 'not family-owned',
  takeOverLock: 'not family-owned',
  releaseLock: 'not family-owned',
  lockHolder: 'not family-owned',
  exportAccounts: () => s.exportAccounts(b, [ids.account]),
  exportTransactions: () => s.exportTransactions(b, [ids.account], {}),
  exportCursor: () => s.exportCursor(b, 'files:csv:/x'),
  saveExportCursor: 'not family-owned', // writes the caller's own cursor (primary key: family id, destination)
  saveFireflySettings: 'not family-owned', // writes the caller's own row (primary key = family id)
  getFireflySettings: () => s.getFireflySettings(b),
  describeFireflySettings: () => s.describeFireflySettings(b),
  deleteFireflySettings: () => s.deleteFireflySettings(b),
  deliverableAccounts: () => s.deliverableAccounts(b, [ids.account]),
  fireflyAccountLinks: () => s.fireflyAccountLinks(b),
  sophtronAccountIds: () => s.sophtronAccountIds(b),
  deliveryCandidates: () =>
    s.deliveryCandidates(b, [ids.account], { recreateDeleted: true, from: null, to: null }),
  deliveryRemovals: () => s.deliveryRemovals(b, [ids.account]),
  pairedWith: () => s.pairedWith(b, [ids.tx]),
  transferSides: () => s.transferSides(b, ids.account, -100, { from: '2000-01-01', to: '9999-12-31' }),
  writeDelivery: () => s.writeDelivery(b, deliveryRecord(a)).then(() => 'written!', ofAnotherFamily),
  writeDeliveries: () => s.writeDeliveries(b, [{ forget: ids.tx }]),
  upsertFireflyAccount: () =>
    s.upsertFireflyAccount(b, fireflyLink(a, ids.account)).then(() => 'linked!', ofAnotherFamily),
  recordBalanceCheck: () => s.recordBalanceCheck(b, ids.account, 1, 1),
  deliveredPendingSum: () => s.deliveredPendingSum(b, ids.account),
  readLedgerForSync: () =>
    s
      .transaction((t) =>
        t.readLedgerForSync(b, ids.account, {
          window: { from: '2025-12-01', to: '2026-01-31' },
          matchDays: 7,
          fetched: [],
        }),
      )
      .then(
        () => 'read!',
        (err: Error) => void expect(err.message).toMatch(/not found/),
      ),
  writeSyncPlan: () =>
    s
      .transaction((t) =>
        t.writeSyncPlan(
          b,
          {
            inserts: [],
            updates: [
              { ledgerId: ids.tx, providerTransactionId: 't1', changes: { amount_minor: 1 }, revived: false },
            ],
            merges: [],
            vanishings: [],
            deletedSuccessors: [],
            seen: [ids.tx],
          },
          { accountId: ids.account, currency: 'USD', today: '2026-01-02', now: 'x' },
        ),
      )
      .then(
        () => 'written!',
        (err: Error) => void expect(err.message).toMatch(/not found/),
      ),
  oldestPendingDate: () => s.oldestPendingDate(b, ids.account).then((d) => void expect(d).toBeNull()),
};

describe('family scoping', () => {
  it('covers every repository function', () => {
    const fns = Object.entries(s)
      .filter(([k, v]) => typeof v === 'function' && !['transaction', 'close'].includes(k))
      .map(([k]) => k)
      .sort();
    expect(Object.keys(cases).sort()).toEqual(fns);
  });

  it("another family's id reads nothing and changes nothing", async () => {
    const before = await snapshot();
    for (const [name, run] of Object.entries(cases)) {
      if (run === 'not family-owned') continue;
      try {
        nothing(await run());
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("writes in one's own family do not reach another's", async () => {
    const c = await s.upsertConnection(b, {
      userInstitutionId: 'ui-1', // the same Sophtron id in another family is another row
      institutionId: 'i',
      institutionName: 'Mine',
      status: 'failed',
    });
    expect(c.id).not.toBe(ids.connection);
    expect((await s.getConnection(a, ids.connection))?.status).toBe('connected');
    await s.incrementUsage(b, 'X', 1);
    expect(await s.monthTotal(a)).toBe(5);
    expect(await s.monthTotal(b)).toBe(1);
    expect(await s.instanceMonthTotal()).toBe(6);
    await s.saveCredentials(b, { userId: 'ub', accessKey: 'Yg==', baseUrl: null });
    expect((await s.getCredentials(a))?.userId).toBe('ua');
    // A sealed key moved to another family's row does not open (it is bound to its family).
    const sealedA = await s.db
      .selectFrom('credentials')
      .select('access_key_sealed')
      .where('family_id', '=', a)
      .executeTakeFirstOrThrow();
    await s.db
      .updateTable('credentials')
      .set({ access_key_sealed: sealedA.access_key_sealed })
      .where('family_id', '=', b)
      .execute();
    await expect(s.getCredentials(b)).rejects.toThrow(/could not be decrypted/);
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/databases.js';
import { seedTransaction } from '../../test/fakes/ledger-seed.js';
import { providerAccount } from '../../test/fakes/ledger-store.js';
import { openStore as openStoreAt, SecretKeyError, type OpenStoreOptions, type Store } from './index.js';
import { GENERATED_KEY_FILE } from './secret-box.js';

const quiet = { onKeyGenerated: () => {} };
const databases = new Map<string, TestDatabase>();
const stores: Store[] = [];
/** A fresh data folder with its own ledger (on this run's database kind). */
const tmp = async () => {
  const d = await createTestDatabase();
  databases.set(d.dataDir, d);
  return d.dataDir;
};
/** openStore on the ledger of the data folder tmp() made. */
const openStore = (options: OpenStoreOptions, extra?: Parameters<typeof openStoreAt>[1]) =>
  openStoreAt({ ...options, databaseUrl: databases.get(options.dataDir)?.url }, extra);
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {});
  for (const d of databases.values()) await d.dispose();
  databases.clear();
});
const keep = (s: Store) => {
  stores.push(s);
  return s;
};
/** A new store with a family and one connected bank login ('ui-1'). */
async function connectedFamily(
  bank: { institutionId?: string; institutionName?: string; countryCode?: string } = {},
) {
  const s = keep(await openStore({ dataDir: await tmp() }, quiet));
  const f = await s.createFamily({ name: 'A', timeZone: 'UTC' });
  const c = await s.upsertConnection(f.id, {
    userInstitutionId: 'ui-1',
    institutionId: 'i',
    institutionName: 'B',
    status: 'connected',
    ...bank,
  });
  return { s, f, c };
}
/** connectedFamily() with its one Sophtron account ('acc-1') linked to the ledger. */
async function linkedAccount() {
  const { s, f, c } = await connectedFamily();
  await s.upsertProviderAccounts(f.id, c.id, [providerAccount()]);
  const { account } = await s.linkAccount(f.id, 'acc-1');
  return { s, f, account };
}

describe('openStore and the secret key', () => {
  it('generates a key once, reuses it, and reads credentials back after reopening', async () => {
    const dir = await tmp();
    const said: string[] = [];
    const s1 = keep(await openStore({ dataDir: dir }, { onKeyGenerated: (f) => said.push(f) }));
    const f = await s1.createFamily({ name: 'A', timeZone: 'UTC' });
    await s1.saveCredentials(f.id, { userId: 'user-1', accessKey: 'QUJDREVGRw==', baseUrl: null });
    await s1.close();
    const s2 = keep(await openStore({ dataDir: dir }, { onKeyGenerated: (f) => said.push(f) }));
    expect(said).toEqual([join(dir, GENERATED_KEY_FILE)]);
    expect(await s2.getCredentials(f.id)).toEqual({
      userId: 'user-1',
      accessKey: 'QUJDREVGRw==',
      baseUrl: null,
    });
    expect(await s2.describeCredentials(f.id)).toMatchObject({
      userId: 'user-1',
      keySet: true,
      baseUrl: null,
    });
    expect(JSON.stringify(await s2.describeCredentials(f.id))).not.toContain('QUJDREVGRw');
  });

  it('refuses a different key with the documented message, without touching the data', async () => {
    const dir = await tmp();
    const key = randomBytes(32);
    const s1 = await openStore({ dataDir: dir, secretKey: key.toString('base64') });
    const f = await s1.createFamily({ name: 'A', timeZone: 'UTC' });
    await s1.saveCredentials(f.id, { userId: 'u', accessKey: 'a2V5', baseUrl: null });
    await s1.close();
    const wrong = randomBytes(32).toString('hex');
    await expect(openStore({ dataDir: dir, secretKey: wrong })).rejects.toThrow(SecretKeyError);
    await expect(openStore({ dataDir: dir, secretKey: wrong })).rejects.toThrow(
      /^SECRET_KEY does not match the key this data was encrypted with \(the key came from SECRET_KEY\)/,
    );
    // Without SECRET_KEY no key is made up for a folder that holds data: the error says what to restore.
    await expect(openStore({ dataDir: dir }, quiet)).rejects.toThrow(/secret\.key is missing/);
    expect(existsSync(join(dir, GENERATED_KEY_FILE))).toBe(false);
    // The same key as hex opens it.
    const s2 = keep(await openStore({ dataDir: dir, secretKey: key.toString('hex') }));
    expect((await s2.getCredentials(f.id))?.accessKey).toBe('a2V5');
  });

  // The data folder holds the SQLite file; a PostgreSQL ledger is not in it.
  it.skipIf(testDatabaseKind() === 'postgres')(
    'generates a key only into an empty data folder; a deleted secret.key is named, not replaced',
    async () => {
      const dir = await tmp();
      const s1 = await openStore({ dataDir: dir }, quiet);
      const f = await s1.createFamily({ name: 'A', timeZone: 'UTC' });
      await s1.saveCredentials(f.id, { userId: 'u', accessKey: 'a2V5', baseUrl: null });
      await s1.close();
      const keyFile = join(dir, GENERATED_KEY_FILE);
      const saved = readFileSync(keyFile, 'utf8');
      rmSync(keyFile);
      const said: string[] = [];
      const refused = openStore({ dataDir: dir }, { onKeyGenerated: (file) => said.push(file) });
      await expect(refused).rejects.toThrow(SecretKeyError);
      await expect(openStore({ dataDir: dir }, quiet)).rejects.toThrow(
        `${keyFile} is missing, and ${dir} already holds data (sophtron-sync.sqlite)`,
      );
      await expect(openStore({ dataDir: dir }, quiet)).rejects.toThrow(/restore .* from your backup/);
      await expect(openStore({ dataDir: dir }, quiet)).rejects.toThrow(/SECRET_KEY/);
      expect(said).toEqual([]);
      expect(existsSync(keyFile)).toBe(false);
      // Restored from the backup, everything opens again.
      writeFileSync(keyFile, saved, { mode: 0o600 });
      const s2 = keep(await openStore({ dataDir: dir }, quiet));
      expect((await s2.getCredentials(f.id))?.accessKey).toBe('a2V5');
    },
  );

  it('leaves no generated key behind when the database it opens was encrypted with another', async () => {
    const dbDir = await tmp();
    const s1 = await openStore({ dataDir: dbDir, secretKey: randomBytes(32).toString('base64') });
    await s1.close();
    const empty = await tmp();
    const opening = openStoreAt(
      {
        dataDir: empty,
        filename: join(dbDir, 'sophtron-sync.sqlite'),
        databaseUrl: databases.get(dbDir)?.url,
      },
      quiet,
    );
    await expect(opening).rejects.toThrow(/does not match/);
    expect(existsSync(join(empty, GENERATED_KEY_FILE))).toBe(false);
  });

  it('generates a key into an empty existing folder (a new volume may hold lost+found)', async () => {
    const dir = await tmp();
    mkdirSync(join(dir, 'lost+found'));
    const said: string[] = [];
    keep(await openStore({ dataDir: dir }, { onKeyGenerated: (file) => said.push(file) }));
    expect(said).toEqual([join(dir, GENERATED_KEY_FILE)]);
  });

  it('never writes the Access Key in plaintext to the database or its WAL', async () => {
    const dir = await tmp();
    const accessKey = 'UExBSU5URVhULUFDQ0VTUy1LRVktOTk5OTk=';
    const s = keep(await openStore({ dataDir: dir }, quiet));
    const f = await s.createFamily({ name: 'A', timeZone: 'UTC' });
    await s.saveCredentials(f.id, { userId: 'u', accessKey, baseUrl: null });
    await s.saveCredentials(f.id, { userId: 'u2', accessKey, baseUrl: 'http://127.0.0.1:9/api' });
    if (testDatabaseKind() === 'postgres') {
      // No file to search: every row of every table, as the server returns it, instead.
      const tables = await s.db.introspection.getTables();
      const dump: string[] = [];
      for (const t of tables)
        dump.push(
          ...(
            await sql<{ r: string }>`select row_to_json(x)::text as r from ${sql.table(t.name)} x`.execute(
              s.db,
            )
          ).rows.map((row) => row.r),
        );
      const text = dump.join('\n');
      expect(text).not.toContain(accessKey);
      expect(text).toContain('"u2"');
      return;
    }
    // Read while open (the WAL still holds the pages) and again after the checkpoint at close.
    const files = () =>
      ['sophtron-sync.sqlite', 'sophtron-sync.sqlite-wal', 'sophtron-sync.sqlite-shm']
        .map((n) => join(dir, n))
        .filter(existsSync);
    expect(files().some((p) => p.endsWith('-wal'))).toBe(true);
    const check = () => {
      for (const p of files()) {
        const bytes = readFileSync(p);
        expect(bytes.includes(Buffer.from(accessKey)), p).toBe(false);
        expect(bytes.includes(Buffer.from(accessKey, 'utf16le')), p).toBe(false);
        // The sealed form is there instead (proves the search looks at the right bytes).
      }
      const all = Buffer.concat(files().map((p) => readFileSync(p)));
      expect(all.includes(Buffer.from('u2'))).toBe(true);
    };
    check();
    await s.close();
    stores.splice(0);
    check();
  });

  it('keeps the data when the same generated key file is used by a second process', async () => {
    const dir = await tmp();
    const a = keep(await openStore({ dataDir: dir }, quiet));
    const b = keep(await openStore({ dataDir: dir }, quiet));
    const f = await a.createFamily({ name: 'A', timeZone: 'UTC' });
    await a.saveCredentials(f.id, { userId: 'u', accessKey: 'eA==', baseUrl: null });
    expect((await b.getCredentials(f.id))?.accessKey).toBe('eA==');
  });
});

describe('repositories', () => {
  it('links with defaults from the account type and country, and re-links reusing history', async () => {
    const { s, f, c } = await connectedFamily({
      institutionId: 'inst',
      institutionName: 'Maple Bank',
      countryCode: 'CA',
    });
    const [chk, card, mort, inv] = await s.upsertProviderAccounts(f.id, c.id, [
      providerAccount(),
      providerAccount({ accountId: 'acc-2', name: 'Visa', type: 'credit_card', balance: -1947_18 }),
      providerAccount({ accountId: 'acc-3', name: 'Home', type: 'mortgage', currencyHint: 'USD' }),
      providerAccount({ accountId: 'acc-4', name: 'Brokerage', type: 'investment' }),
    ]);
    expect((await s.listProviderAccounts(f.id)).every((p) => p.account === null)).toBe(true);

    const l1 = await s.linkAccount(f.id, 'acc-1');
    expect(l1.account).toMatchObject({ kind: 'depository', currency: 'CAD', balance_rule: 'as_reported' });
    const l2 = await s.linkAccount(f.id, card!.id);
    expect(l2.account).toMatchObject({ kind: 'credit_card', balance_rule: 'owed_positive', name: 'Visa' });
    const l3 = await s.linkAccount(f.id, mort!.sophtron_account_id);
    expect(l3.account).toMatchObject({ kind: 'loan', currency: 'USD', balance_rule: 'owed_positive' });
    const l4 = await s.linkAccount(f.id, inv!.id, {
      kind: 'depository',
      currency: 'EUR',
      name: 'Cash',
      balanceRule: 'negate',
      startDate: '2026-01-31',
    });
    expect(l4.account).toMatchObject({
      kind: 'depository',
      currency: 'EUR',
      name: 'Cash',
      balance_rule: 'negate',
      sync_start_date: '2026-01-31',
    });
    await expect(s.linkAccount(f.id, 'acc-1')).rejects.toThrow(/already linked/);
    await expect(s.linkAccount(f.id, 'nope')).rejects.toThrow(/no provider account "nope"/);
    await expect(s.linkAccount(f.id, 'acc-9')).rejects.toThrow(/no provider account/);

    const listed = await s.listProviderAccounts(f.id);
    expect(listed.find((p) => p.id === chk!.id)?.account?.id).toBe(l1.account.id);
    expect((await s.listSyncableAccounts(f.id)).map((a) => a.sophtron_account_id).sort()).toEqual([
      'acc-1',
      'acc-2',
      'acc-3',
      'acc-4',
    ]);

    const un = await s.unlinkAccount(f.id, 'acc-2');
    expect(un).toMatchObject({ id: l2.account.id, provider_account_id: null });
    await expect(s.unlinkAccount(f.id, l2.account.id)).rejects.toThrow(/is not linked/);
    expect((await s.listSyncableAccounts(f.id)).map((a) => a.sophtron_account_id)).not.toContain('acc-2');
    const again = await s.linkAccount(f.id, 'acc-2', { balanceRule: 'as_reported' });
    expect(again.reused).toBe(true);
    expect(again.account).toMatchObject({
      id: l2.account.id,
      kind: 'credit_card',
      balance_rule: 'as_reported',
    });

    // A sync upsert that lacks a balance keeps the last known one.
    const [chk2] = await s.upsertProviderAccounts(f.id, c.id, [
      providerAccount({ balance: null, availableBalance: null, name: 'Renamed' }),
    ]);
    expect(chk2).toMatchObject({
      id: chk!.id,
      balance_minor: 123_45,
      available_minor: 100_00,
      name: 'Renamed',
    });
    // A complete list without an account marks it gone (kept, link and all); back when listed again.
    expect((await s.listProviderAccounts(f.id)).map((p) => p.remote_status)).not.toContain('gone');
    await s.upsertProviderAccounts(f.id, c.id, [providerAccount()], { complete: true });
    const gone = (await s.listProviderAccounts(f.id)).filter((p) => p.remote_status === 'gone');
    expect(gone.map((p) => p.sophtron_account_id).sort()).toEqual(['acc-2', 'acc-3', 'acc-4']);
    expect(gone.find((p) => p.sophtron_account_id === 'acc-2')?.account?.id).toBe(l2.account.id);
    await s.upsertProviderAccounts(f.id, c.id, [providerAccount({ accountId: 'acc-2' })]);
    expect((await s.getProviderAccount(f.id, 'acc-2'))?.remote_status).toBe('tracked');
  });

  it('lists, searches, pages and tombstones transactions; counts usage; records runs', async () => {
    const { s, f, account } = await linkedAccount();
    const rows = [
      { id: 't1', date: '2026-01-05', description: 'Coffee 50% off', status: 'posted', amount: -450 },
      { id: 't2', date: '2026-01-06', description: 'Coffee 500 beans', status: 'pending', amount: -1200 },
      { id: 't3', date: '2026-02-01', description: 'Salary', status: 'posted', amount: 250000 },
    ] as const;
    await s.transaction(async (tx) => {
      for (const r of rows) {
        const seq = await (await import('./transactions.js')).nextChangeSeq(tx.db);
        await tx.db
          .insertInto('transactions')
          .values({
            account_id: account.id,
            provider_transaction_id: r.id,
            status: r.status,
            amount_minor: r.amount,
            currency: 'USD',
            date: r.date,
            transaction_date: r.date,
            post_date: null,
            description: r.description,
            merchant: null,
            category: null,
            memo: null,
            check_number: null,
            replaced_pending_id: null,
            first_seen_at: 'x',
            last_seen_at: 'x',
            last_seen_date: r.date,
            vanished_at: null,
            change_seq: seq,
          })
          .execute();
      }
    });
    const all = await s.listTransactions(f.id);
    expect(all.total).toBe(3);
    expect(all.rows.map((r) => r.provider_transaction_id)).toEqual(['t3', 't2', 't1']);
    expect(all.rows[0]!.account_name).toBe('Everyday Checking');
    expect(
      (await s.listTransactions(f.id, { search: '50%' })).rows.map((r) => r.provider_transaction_id),
    ).toEqual(['t1']);
    expect((await s.listTransactions(f.id, { search: 'COFFEE' })).total).toBe(2);
    expect((await s.listTransactions(f.id, { status: 'pending' })).total).toBe(1);
    expect(
      (await s.listTransactions(f.id, { from: '2026-01-06', to: '2026-01-31' })).rows.map(
        (r) => r.provider_transaction_id,
      ),
    ).toEqual(['t2']);
    const page = await s.listTransactions(f.id, { limit: 2, offset: 2, order: 'date_asc' });
    expect(page).toMatchObject({ total: 3, rows: [{ provider_transaction_id: 't3' }], next: null });
    // Keyset pages walk every row once, in both orders, without counting.
    for (const order of ['date_desc', 'date_asc'] as const) {
      const seen: string[] = [];
      let after: { date: string; id: number } | undefined;
      for (;;) {
        const p = await s.listTransactions(f.id, {
          limit: 2,
          order,
          withTotal: false,
          ...(after ? { after } : {}),
        });
        expect(p.total).toBeNull();
        seen.push(...p.rows.map((r) => r.provider_transaction_id));
        if (!p.next) break;
        after = p.next;
      }
      expect(seen).toEqual(order === 'date_desc' ? ['t3', 't2', 't1'] : ['t1', 't2', 't3']);
    }

    const t1 = all.rows[2]!;
    expect(await s.deleteTransaction(f.id, t1.id, 'user@x')).toBe(true);
    expect(await s.getTransaction(f.id, t1.id)).toBeUndefined();
    expect(await s.tombstonedIds(f.id, account.id)).toEqual(new Set(['t1']));
    const [tomb] = await s.listTombstones(f.id, { afterSeq: 3 });
    expect(tomb).toMatchObject({ provider_transaction_id: 't1', transaction_id: t1.id, change_seq: 4 });
    expect((await s.listChangedSince(f.id, 2)).map((t) => t.provider_transaction_id)).toEqual(['t3']);
    expect(await s.removeTombstone(f.id, account.id, 't1')).toBe(true);

    await s.incrementUsage(f.id, 'Transaction/Get', 2, new Date('2026-01-31T23:00:00Z'));
    await s.incrementUsage(f.id, 'Transaction/Get', 1, new Date('2026-01-02T00:00:00Z'));
    await s.incrementUsage(f.id, 'Job/Get', 1, new Date('2026-02-01T00:00:00Z'));
    expect(await s.monthTotal(f.id, '2026-01')).toBe(3);
    expect(await s.instanceMonthTotal('2026-02')).toBe(1);
    expect(await s.usageByEndpoint(f.id, '2026-01')).toEqual([{ endpoint: 'Transaction/Get', calls: 3 }]);

    const run = await s.createRun(f.id, 'cli');
    expect(await s.runningRun(f.id)).toMatchObject({ id: run.id });
    await s.recordAccountResult(f.id, run.id, { accountId: account.id, outcome: 'failed', error: 'boom' });
    const done = await s.finishRun(f.id, run.id);
    expect(done).toMatchObject({ outcome: 'failed' });
    expect((await s.getRun(f.id, run.id))?.accounts).toMatchObject([{ outcome: 'failed', error: 'boom' }]);
    expect(await s.listRuns(f.id)).toHaveLength(1);

    const snap = await s.recordBalance(f.id, account.id, { currentMinor: 5, availableMinor: null });
    expect(snap).toMatchObject({ currency: 'USD', current_minor: 5 });
    expect((await s.latestBalance(f.id, account.id))?.id).toBe(snap!.id);
    await expect(
      s.recordBalance(f.id, account.id, { currentMinor: 1.5, availableMinor: null }),
    ).rejects.toThrow(/currentMinor: must be integer minor units/);
  });

  it('refuses to relabel the currency of an account that has transactions', async () => {
    const { s, f, account } = await linkedAccount();
    expect(await s.updateAccount(f.id, account.id, { currency: 'EUR', balanceRule: 'negate' })).toMatchObject(
      {
        currency: 'EUR',
        balance_rule: 'negate',
      },
    );
    await seedTransaction(s.db, account.id, {
      providerId: 't',
      amountMinor: 1,
      currency: 'EUR',
      date: '2026-01-01',
    });
    await expect(s.updateAccount(f.id, account.id, { currency: 'USD' })).rejects.toThrow(
      /currency: the account already has 1 transactions in EUR/,
    );
    expect(await s.updateAccount(f.id, account.id, { currency: 'EUR', name: 'Same' })).toMatchObject({
      name: 'Same',
    });
    await expect(s.updateAccount(f.id, account.id, { startDate: '2026-02-30' })).rejects.toThrow(
      /start date/,
    );
  });
});

describe('command-line default family', () => {
  it('creates one family, updates its credentials, and never takes over another identity', async () => {
    const { ensureDefaultFamily, findDefaultFamily } = await import('./default-family.js');
    const s = keep(await openStore({ dataDir: await tmp() }, quiet));
    const input = { userId: 'u1', accessKey: 'azE=', baseUrl: null, timeZone: 'America/Toronto' };
    const f1 = await ensureDefaultFamily(s, input);
    expect(f1.time_zone).toBe('America/Toronto');
    const f2 = await ensureDefaultFamily(s, { ...input, accessKey: 'azI=' });
    expect(f2.id).toBe(f1.id);
    expect((await s.getCredentials(f1.id))?.accessKey).toBe('azI=');
    expect((await findDefaultFamily(s))?.id).toBe(f1.id);

    // A single family made on the web with another Sophtron identity is left alone.
    const s2 = keep(await openStore({ dataDir: await tmp() }, quiet));
    const web = await s2.createFamily({ name: 'Web', timeZone: 'UTC' });
    await s2.saveCredentials(web.id, { userId: 'someone-else', accessKey: 'eA==', baseUrl: null });
    const cli = await ensureDefaultFamily(s2, input);
    expect(cli.id).not.toBe(web.id);
    expect((await s2.getCredentials(web.id))?.userId).toBe('someone-else');
    // ... but one without credentials (or with the same identity) is adopted.
    const s3 = keep(await openStore({ dataDir: await tmp() }, quiet));
    const bare = await s3.createFamily({ name: 'Bare', timeZone: 'UTC' });
    expect((await ensureDefaultFamily(s3, input)).id).toBe(bare.id);
    expect(await s3.listFamilies()).toHaveLength(1);

    // Two commands at once on an empty database end with one family.
    const dir4 = await tmp();
    const s4 = keep(await openStore({ dataDir: dir4 }, quiet));
    const s5 = keep(await openStore({ dataDir: dir4 }, quiet));
    const [x, y] = await Promise.all([ensureDefaultFamily(s4, input), ensureDefaultFamily(s5, input)]);
    expect(x.id).toBe(y.id);
    expect(await s4.listFamilies()).toHaveLength(1);
    // The remembered family was deleted (e.g. on the web): a new one is made and remembered.
    await s4.deleteFamily(x.id);
    const z = await ensureDefaultFamily(s4, input);
    expect(z.id).not.toBe(x.id);
    expect((await findDefaultFamily(s4))?.id).toBe(z.id);
  });
});

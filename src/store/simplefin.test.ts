/**
 * The SimpleFIN repository on both databases: a setup token is claimed once even by racing
 * claims, the rate-limit window counts and restarts in one statement, accounts come with their
 * newest balance and bank login, and transactions are placed by the date SimpleFIN serves them at
 * (post date when posted, transaction date while pending), in the order they happened, paged
 * without gaps or repeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import {
  seedAccount,
  seedConnection,
  seedTransaction,
  updateTransaction,
} from '../../test/fakes/ledger-seed.js';
import { openStore, type Store } from './index.js';

let database: TestDatabase;
let s: Store;
let family: string;
let checking: string;
let unlinked: string;
let bank: string;

const token = (claimHash: string, over: { claimExpiresAt?: string; accountIds?: string[] } = {}) =>
  s.createSimplefinToken(family, {
    name: 'app',
    accountIds: over.accountIds ?? [checking],
    rootUrl: 'https://h/simplefin',
    claimHash,
    claimExpiresAt: over.claimExpiresAt ?? '2999-01-01T00:00:00.000Z',
    expiresAt: null,
    refreshHours: null,
    createdBy: null,
    now: '2026-01-01T00:00:00.000Z',
  });

beforeAll(async () => {
  database = await createTestDatabase();
  s = await openStore({ dataDir: database.dataDir, databaseUrl: database.url }, { onKeyGenerated: () => {} });
  family = (await s.createFamily({ name: 'F', timeZone: 'UTC' })).id;
  bank = await seedConnection(s.db, family, { institutionName: 'Bank One', status: 'needs_attention' });
  checking = await seedAccount(s.db, family, bank, { name: 'Checking', balanceMinor: 100 });
  unlinked = await seedAccount(s.db, family, bank, { name: 'Old', balanceMinor: 5 });
});

afterAll(async () => {
  await s.close();
  await database.dispose();
});

describe('claims', () => {
  it('two racing claims of one token: one wins, the other is refused and counted', async () => {
    const t = await token('race');
    const results = await Promise.all([
      s.claimSimplefinToken('race', { userHash: 'u1', secretHash: 'p1' }, '2026-01-02T00:00:00.000Z'),
      s.claimSimplefinToken('race', { userHash: 'u2', secretHash: 'p2' }, '2026-01-02T00:00:00.000Z'),
    ]);
    expect(results.map((r) => r.result).sort()).toEqual(['already_claimed', 'claimed']);
    const stored = await s.getSimplefinToken(family, t.id);
    expect(stored).toMatchObject({ refused_claims: 1, claimed_at: '2026-01-02T00:00:00.000Z' });
    const winner = results.find((r) => r.result === 'claimed')!;
    expect(
      await s.findSimplefinAccess(winner.result === 'claimed' ? winner.token.access_user_hash! : ''),
    ).toMatchObject({
      id: t.id,
    });
  });

  it('an unknown, expired or revoked token is unusable (and nothing is counted)', async () => {
    await token('late', { claimExpiresAt: '2026-01-01T00:00:00.000Z' });
    const revoked = await token('gone');
    await s.revokeSimplefinToken(family, revoked.id, '2026-01-01T00:00:00.000Z');
    for (const hash of ['nope', 'late', 'gone'])
      expect(
        await s.claimSimplefinToken(
          hash,
          { userHash: `x-${hash}`, secretHash: 'y' },
          '2026-01-02T00:00:00.000Z',
        ),
      ).toEqual({
        result: 'unusable',
      });
  });
});

describe('rate window', () => {
  it('counts within an hour and starts again after it', async () => {
    const t = await token('rate');
    const count = (at: string, before: string) => s.countSimplefinRequest(family, t.id, at, before);
    expect(await count('2026-01-01T10:00:00.000Z', '2026-01-01T09:00:00.000Z')).toEqual({
      windowStart: '2026-01-01T10:00:00.000Z',
      count: 1,
    });
    expect(await count('2026-01-01T10:30:00.000Z', '2026-01-01T09:30:00.000Z')).toMatchObject({ count: 2 });
    expect(await count('2026-01-01T11:00:01.000Z', '2026-01-01T10:00:01.000Z')).toEqual({
      windowStart: '2026-01-01T11:00:01.000Z',
      count: 1,
    });
    expect(await s.getSimplefinToken(family, t.id)).toMatchObject({
      use_count: 3,
      last_used_at: '2026-01-01T11:00:01.000Z',
    });
  });
});

describe('reads', () => {
  it('accounts: the newest balance, the bank login, and whether still linked', async () => {
    const t = await token('reads', { accountIds: [checking, unlinked] });
    await s.recordBalance(family, checking, {
      currentMinor: 250,
      availableMinor: 200,
      takenAt: '2027-01-01T00:00:00.000Z',
    });
    await s.unlinkAccount(family, unlinked);
    const rows = await s.simplefinAccounts(family, t.id);
    expect(rows.map((r) => [r.name, r.linked])).toEqual([
      ['Checking', true],
      ['Old', false],
    ]);
    expect(rows[0]).toMatchObject({
      balance_current_minor: 250,
      balance_available_minor: 200,
      balance_taken_at: '2027-01-01T00:00:00.000Z',
      connection_id: bank,
      institution_name: 'Bank One',
      connection_status: 'needs_attention',
    });
  });

  it('transactions: posted by post date, pending by transaction date, vanished never, paged without gaps', async () => {
    const account = await seedAccount(s.db, family, bank, { name: 'Paged' });
    const late = Number(await seedTransaction(s.db, account, { amountMinor: -1, date: '2026-01-05' }));
    await updateTransaction(s.db, late, { post_date: '2026-01-08' });
    const hold = Number(
      await seedTransaction(s.db, account, { amountMinor: -2, date: '2026-01-06', status: 'pending' }),
    );
    await seedTransaction(s.db, account, { amountMinor: -3, date: '2026-01-06', status: 'vanished' });
    const same: number[] = [];
    for (let i = 0; i < 5; i++)
      same.push(Number(await seedTransaction(s.db, account, { amountMinor: -10 - i, date: '2026-01-07' })));
    const read = (q: Partial<Parameters<Store['simplefinTransactions']>[2]>) =>
      s
        .simplefinTransactions(family, account, {
          from: null,
          to: null,
          includePending: true,
          after: null,
          limit: 100,
          ...q,
        })
        .then((rows) => rows.map((r) => [r.id, r.served_date]));

    // In the order they happened (the ledger's date), each placed by its served date.
    expect(await read({})).toEqual([
      [late, '2026-01-08'],
      [hold, '2026-01-06'],
      ...same.map((id) => [id, '2026-01-07']),
    ]);
    expect(await read({ includePending: false, from: '2026-01-08' })).toEqual([[late, '2026-01-08']]);
    expect(await read({ to: '2026-01-08' })).not.toContainEqual([late, '2026-01-08']);
    expect(await read({ from: '2026-01-06', to: '2026-01-07' })).toEqual([[hold, '2026-01-06']]);

    const pages: (number | string)[][] = [];
    let after: { date: string; id: number } | null = null;
    for (;;) {
      const page = await s.simplefinTransactions(family, account, {
        from: null,
        to: null,
        includePending: true,
        after,
        limit: 2,
      });
      if (page.length === 0) break;
      pages.push(...page.map((r) => [r.id, r.served_date]));
      after = { date: page.at(-1)!.date, id: page.at(-1)!.id };
    }
    expect(pages).toEqual(await read({}));
  });
});

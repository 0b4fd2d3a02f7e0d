/**
 * The Firefly delivery read model and journal on a real database: what a delivery must look at,
 * and family scoping (another family's id, with this family's account ids, reads nothing and
 * changes nothing).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import { fireflyLink, seedAccount, seedFamily, seedTransaction } from '../../test/fakes/ledger-seed.js';
import type { OpenedDatabase } from './database.js';
import { fireflyDeliveryRepository, type DeliveryRecord } from './firefly-delivery.js';

let database: TestDatabase;
let opened: OpenedDatabase;

beforeEach(async () => {
  database = await createTestDatabase();
  opened = await database.open();
});

afterEach(async () => {
  await opened.close();
  await database.dispose();
});

const record = (family: string, account: string, transactionId: number, over: Partial<DeliveryRecord> = {}) =>
  ({
    family_id: family,
    transaction_id: transactionId,
    account_id: account,
    state: 'delivered',
    external_id: `ext-${transactionId}`,
    firefly_group_id: `g${transactionId}`,
    firefly_journal_id: null,
    delivered_seq: 0,
    delivered_pending: 0,
    delivered_amount_minor: -100,
    content_hash: 'h',
    note: null,
    sent_fields: null,
    paired_with: null,
    ...over,
  }) satisfies DeliveryRecord;

it('reads what a delivery must send and remove, and writes its journal in batches', async () => {
  const db = opened.db;
  const repo = fireflyDeliveryRepository(db);
  const family = await seedFamily(db);
  const acc = await seedAccount(db, family, { name: 'Checking', sophtronAccountId: 'a', balanceMinor: 500 });
  const fresh = await seedTransaction(db, acc, { providerId: 't1', amountMinor: -100, date: '2026-02-02' });
  const sent = await seedTransaction(db, acc, { providerId: 't2', amountMinor: -200, date: '2026-02-01' });
  const gone = await seedTransaction(db, acc, { providerId: 't3', amountMinor: -300, date: '2026-02-03' });
  const { change_seq } = await db
    .selectFrom('transactions')
    .select('change_seq')
    .where('id', '=', sent)
    .executeTakeFirstOrThrow();
  await repo.writeDeliveries(family, [
    { row: record(family, acc, sent, { delivered_seq: Number(change_seq) }) },
    { row: record(family, acc, gone) },
  ]);
  await db.deleteFrom('transactions').where('id', '=', gone).execute();

  const [account] = await repo.deliverableAccounts(family);
  expect(account).toMatchObject({ id: acc, sophtron_account_id: 'a', bank_current_minor: 500 });
  const candidates = await repo.deliveryCandidates(family, [acc], {
    recreateDeleted: false,
    from: null,
    to: null,
  });
  expect(candidates.map((c) => [c.id, c.f])).toEqual([[fresh, null]]);
  expect((await repo.deliveryRemovals(family, [acc])).map((r) => r.transaction_id)).toEqual([gone]);
  expect(await repo.sophtronAccountIds(family)).toEqual(new Map([[acc, 'a']]));
  const sides = await repo.transferSides(family, acc, -200, { from: '2026-01-30', to: '2026-02-02' });
  expect(sides.map((s) => [s.id, s.partner_state])).toEqual([[sent, 'delivered']]);

  // A batch is written whole: forgetting a record and a 'sending' intent.
  await repo.writeDeliveries(family, [
    { forget: gone },
    { row: record(family, acc, fresh, { state: 'sending' }) },
  ]);
  expect((await repo.deliveryRemovals(family, [acc])).length).toBe(0);
  const again = await repo.deliveryCandidates(family, [acc], {
    recreateDeleted: false,
    from: null,
    to: null,
  });
  expect(again.map((c) => [c.id, c.f?.state])).toEqual([[fresh, 'sending']]);
});

it("another family's id, with this family's account ids, reads nothing and changes nothing", async () => {
  const db = opened.db;
  const repo = fireflyDeliveryRepository(db);
  const owner = await seedFamily(db);
  const intruder = await seedFamily(db);
  const acc = await seedAccount(db, owner, { name: 'Checking', sophtronAccountId: 'a', balanceMinor: 500 });
  const tx = await seedTransaction(db, acc, { providerId: 't1', amountMinor: -100, date: '2026-02-02' });
  await repo.writeDeliveries(owner, [{ row: record(owner, acc, tx, { state: 'sending' }) }]);
  await db
    .insertInto('firefly_accounts')
    .values({
      ...fireflyLink(owner, acc),
      updated_at: 'x',
      checked_at: null,
      checked_firefly_minor: null,
      checked_bank_minor: null,
    })
    .execute();

  expect(await repo.deliverableAccounts(intruder)).toEqual([]);
  expect(await repo.deliverableAccounts(intruder, [acc])).toEqual([]);
  expect((await repo.fireflyAccountLinks(intruder)).size).toBe(0);
  expect((await repo.sophtronAccountIds(intruder)).size).toBe(0);
  expect(
    await repo.deliveryCandidates(intruder, [acc], { recreateDeleted: true, from: null, to: null }),
  ).toEqual([]);
  expect(await repo.deliveryRemovals(intruder, [acc])).toEqual([]);
  expect(await repo.transferSides(intruder, acc, -100, { from: '2026-01-01', to: '2026-12-31' })).toEqual([]);
  await expect(repo.writeDeliveries(intruder, [{ row: record(owner, acc, tx) }])).rejects.toThrow(
    /another family/,
  );
  await repo.writeDeliveries(intruder, [{ forget: tx }]);
  const rows = await db.selectFrom('firefly_transactions').select(['family_id', 'state']).execute();
  expect(rows).toEqual([{ family_id: owner, state: 'sending' }]);
});

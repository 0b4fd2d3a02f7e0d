/**
 * The Firefly fake itself: it must refuse what Firefly refuses, or the delivery tests prove
 * nothing. And the OpenAPI check must catch a request or answer that breaks the spec.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startFakeFirefly, type FakeFirefly } from './firefly.js';
import { FIREFLY_SPEC_PATH, readReference } from './openapi.js';

let fake: FakeFirefly;
beforeEach(async () => {
  fake = await startFakeFirefly();
});
afterEach(async () => {
  await fake.stop();
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: `Bearer ${fake.token}`,
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

it('checks the token, wants a Content-Type on writes, and answers 422 with dotted field names', async () => {
  expect((await call('GET', '/api/v1/about', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  const noType = await fetch(`${fake.url}/api/v1/transactions`, {
    method: 'POST',
    headers: { accept: 'application/json', authorization: `Bearer ${fake.token}` },
    body: '{}',
  });
  expect(noType.status).toBe(415);
  fake.violations.length = 0;
  const bad = await call('POST', '/api/v1/transactions', {
    transactions: [
      {
        type: 'withdrawal',
        date: '2026-01-01T12:00:00+00:00',
        amount: '0',
        description: 'x',
        source_name: 'nobody',
        destination_name: 'Shop',
      },
    ],
  });
  expect(bad.status).toBe(422);
  const body = (await bad.json()) as { errors: Record<string, string[]> };
  expect(Object.keys(body.errors).sort()).toEqual(['transactions.0.amount', 'transactions.0.source_name']);
});

it('finds duplicates by hash like Firefly, also after a delete, and soft-deletes', async () => {
  const asset = fake.addAccount({ name: 'Checking', type: 'asset' });
  const group = {
    error_if_duplicate_hash: true,
    transactions: [
      {
        type: 'withdrawal',
        date: '2026-01-01T12:00:00+00:00',
        amount: '1.00',
        description: 'x',
        source_id: asset.id,
        destination_name: 'Shop',
        external_id: 'e1',
      },
    ],
  };
  const first = (await (await call('POST', '/api/v1/transactions', group)).json()) as {
    data: { id: string };
  };
  const dup = await call('POST', '/api/v1/transactions', group);
  expect(dup.status).toBe(422);
  expect(JSON.stringify(await dup.json())).toContain(`Duplicate of transaction #${first.data.id}.`);
  expect((await call('DELETE', `/api/v1/transactions/${first.data.id}`)).status).toBe(204);
  expect((await call('GET', `/api/v1/transactions/${first.data.id}`)).status).toBe(404);
  expect((await call('POST', '/api/v1/transactions', group)).status).toBe(422);
  const search = (await (
    await call('GET', `/api/v1/search/transactions?query=${encodeURIComponent('external_id_is:"e1"')}`)
  ).json()) as { data: unknown[] };
  expect(search.data).toHaveLength(0);
  expect(fake.balanceMinor(asset.id)).toBe(0);
  expect(fake.violations).toEqual([]);
});

it('records traffic that breaks the official OpenAPI spec', async () => {
  expect(fake.specValidation).toBe(true);
  const refused = await call('POST', '/api/v1/transactions', {
    transactions: [{ type: 'bogus', amount: 5 }],
  });
  // Refused like Firefly refuses it, with its 422 body; nothing stored.
  expect(refused.status).toBe(422);
  expect(Object.keys((await refused.json()) as object).sort()).toEqual(['errors', 'message']);
  expect(fake.groups.size).toBe(0);
  expect((await call('GET', '/api/v1/accounts?type=asset&unknown=1')).status).toBe(422);
  const v = fake.violations.join('\n');
  expect(v).toMatch(/body\/transactions\/0\/type must be equal to one of the allowed values/);
  expect(v).toMatch(/amount must be string/);
  expect(v).toMatch(/query parameter unknown is not in the spec/);
});

it('fails when a reference document is missing, instead of checking nothing', () => {
  expect(() => readReference(`${FIREFLY_SPEC_PATH}.missing`)).toThrow(/missing: the tests check against it/);
});

const split = (over: Record<string, unknown>) => ({
  transactions: [
    {
      type: 'withdrawal',
      date: '2026-01-01T12:00:00+00:00',
      amount: '1.00',
      description: 'x',
      source_name: 'Checking',
      destination_name: 'Shop',
      ...over,
    },
  ],
});
const errorsOf = async (res: Response) => {
  expect(res.status).toBe(422);
  return Object.keys(((await res.json()) as { errors: Record<string, string[]> }).errors);
};

it('refuses what Firefly III 6 refuses: dates out of range, exponent amounts, long fields', async () => {
  fake.addAccount({ name: 'Checking', type: 'asset' });
  expect(
    await errorsOf(await call('POST', '/api/v1/transactions', split({ date: '1970-01-01T00:00:00+00:00' }))),
  ).toEqual(['transactions.0.date']);
  expect(
    await errorsOf(await call('POST', '/api/v1/transactions', split({ date: '2038-01-18T00:00:00+00:00' }))),
  ).toEqual(['transactions.0.date']);
  expect(
    await errorsOf(
      await call('POST', '/api/v1/transactions', split({ book_date: '1969-12-31T00:00:00+00:00' })),
    ),
  ).toEqual(['transactions.0.book_date']);
  expect(await errorsOf(await call('POST', '/api/v1/transactions', split({ amount: '1e3' })))).toEqual([
    'transactions.0.amount',
  ]);
  expect(
    await errorsOf(await call('POST', '/api/v1/transactions', split({ category_name: 'c'.repeat(256) }))),
  ).toEqual(['transactions.0.category_name']);
  expect(
    await errorsOf(await call('POST', '/api/v1/transactions', split({ notes: 'n'.repeat(32_769) }))),
  ).toEqual(['transactions.0.notes']);
  expect(
    (await call('POST', '/api/v1/transactions', split({ date: '2038-01-17T00:00:00+00:00' }))).status,
  ).toBe(200);
  expect(fake.liveGroups()).toHaveLength(1);
});

it('wants an opening balance and its date together, and stores a debit liability owed as negative', async () => {
  const account = (over: Record<string, unknown>) =>
    call('POST', '/api/v1/accounts', {
      name: 'Loan',
      type: 'liabilities',
      liability_type: 'loan',
      liability_direction: 'debit',
      currency_code: 'USD',
      ...over,
    });
  expect(await errorsOf(await account({ opening_balance: '100.00' }))).toEqual(['opening_balance_date']);
  expect(await errorsOf(await account({ opening_balance_date: '2026-01-01T00:00:00+00:00' }))).toEqual([
    'opening_balance',
  ]);
  expect(
    await errorsOf(
      await account({ opening_balance: '1e2', opening_balance_date: '2026-01-01T00:00:00+00:00' }),
    ),
  ).toEqual(['opening_balance']);
  const pos = (await (
    await account({ opening_balance: '100.00', opening_balance_date: '2026-01-01T00:00:00+00:00' })
  ).json()) as { data: { id: string } };
  const neg = (await (
    await account({
      name: 'Loan 2',
      opening_balance: '-100.00',
      opening_balance_date: '2026-01-01T00:00:00+00:00',
    })
  ).json()) as { data: { id: string } };
  expect(fake.balanceMinor(pos.data.id)).toBe(-10_000);
  expect(fake.balanceMinor(neg.data.id)).toBe(-10_000);
});

it("matches a withdrawal's destination_name to a loan, debt or mortgage, and pages searches", async () => {
  fake.addAccount({ name: 'Checking', type: 'asset' });
  const loan = fake.addAccount({
    name: 'Car loan',
    type: 'liabilities',
    liabilityType: 'loan',
    liabilityDirection: 'debit',
  });
  const created = (await (
    await call('POST', '/api/v1/transactions', split({ destination_name: 'Car loan', external_id: 'same' }))
  ).json()) as {
    data: { attributes: { transactions: { destination_id: string }[] } };
  };
  expect(created.data.attributes.transactions[0]!.destination_id).toBe(loan.id);
  expect([...fake.accounts.values()].filter((a) => a.type === 'expense')).toHaveLength(0);
  await call('POST', '/api/v1/transactions', split({ external_id: 'same', amount: '2.00' }));
  const q = encodeURIComponent('external_id_is:"same"');
  const page2 = (await (
    await call('GET', `/api/v1/search/transactions?query=${q}&limit=1&page=2`)
  ).json()) as {
    data: unknown[];
    meta: { pagination: { total: number; total_pages: number; current_page: number } };
  };
  expect(page2.data).toHaveLength(1);
  expect(page2.meta.pagination).toMatchObject({ total: 2, total_pages: 2, current_page: 2 });
});

type GroupAnswer = {
  data: {
    attributes: { transactions: { source_id: string; destination_id: string; destination_type: string }[] };
  };
};
const firstSplit = async (res: Response) => {
  expect(res.status).toBe(200);
  return ((await res.json()) as GroupAnswer).data.attributes.transactions[0]!;
};
const cashAccounts = async () =>
  (
    (await (await call('GET', '/api/v1/accounts?type=cash')).json()) as {
      data: { id: string; attributes: { name: string; type: string } }[];
    }
  ).data;

it('books a withdrawal or deposit that names no other party on the cash account, created on first need', async () => {
  const checking = fake.addAccount({ name: 'Checking', type: 'asset' });
  const noParty = (over: Record<string, unknown>) => {
    const body = split(over);
    delete (body.transactions[0] as Record<string, unknown>).destination_name;
    return body;
  };
  expect(await cashAccounts()).toEqual([]);
  // A refused split creates nothing, not even the cash account.
  expect(await errorsOf(await call('POST', '/api/v1/transactions', noParty({ amount: '0' })))).toEqual([
    'transactions.0.amount',
  ]);
  expect(await cashAccounts()).toEqual([]);

  const atm = await firstSplit(await call('POST', '/api/v1/transactions', noParty({ amount: '60.00' })));
  const [cash, ...more] = await cashAccounts();
  expect(more).toEqual([]);
  expect(cash!.attributes).toMatchObject({ name: 'Cash account', type: 'cash' });
  expect(atm).toMatchObject({
    source_id: checking.id,
    destination_id: cash!.id,
    destination_type: 'Cash account',
  });

  const deposit = await firstSplit(
    await call('POST', '/api/v1/transactions', {
      transactions: [
        {
          type: 'deposit',
          date: '2026-01-02T12:00:00+00:00',
          amount: '20.00',
          description: 'ATM DEPOSIT',
          destination_id: checking.id,
        },
      ],
    }),
  );
  expect(deposit.source_id).toBe(cash!.id);
  // A withdrawal naming the cash account finds it: no expense account of that name is made.
  const named = await firstSplit(
    await call('POST', '/api/v1/transactions', split({ destination_name: 'Cash account' })),
  );
  expect(named.destination_id).toBe(cash!.id);
  expect((await cashAccounts()).map((a) => a.id)).toEqual([cash!.id]);
  expect([...fake.accounts.values()].filter((a) => a.type === 'expense')).toEqual([]);
  expect(fake.balanceMinor(cash!.id)).toBe(6_000 - 2_000 + 100);
  expect(fake.balanceMinor(checking.id)).toBe(-6_000 + 2_000 - 100);
  expect(fake.violations).toEqual([]);
});

it('refuses the cash account, and accounts of the wrong type chosen by id, where Firefly does', async () => {
  const checking = fake.addAccount({ name: 'Checking', type: 'asset' });
  const cash = fake.addAccount({ name: 'Cash account', type: 'cash' });
  const salary = fake.addAccount({ name: 'Employer', type: 'revenue' });
  const card = fake.addAccount({
    name: 'Visa',
    type: 'liabilities',
    liabilityType: 'debt',
    liabilityDirection: 'debit',
  });
  const loan = fake.addAccount({
    name: 'Car loan',
    type: 'liabilities',
    liabilityType: 'loan',
    liabilityDirection: 'debit',
  });
  const tx = (type: string, source_id: string, destination_id: string) =>
    call('POST', '/api/v1/transactions', {
      transactions: [
        {
          type,
          date: '2026-01-01T12:00:00+00:00',
          amount: '1.00',
          description: 'x',
          source_id,
          destination_id,
        },
      ],
    });
  expect(await errorsOf(await tx('withdrawal', cash.id, checking.id))).toEqual([
    'transactions.0.source_id',
    'transactions.0.destination_id',
  ]);
  expect(await errorsOf(await tx('deposit', checking.id, cash.id))).toEqual([
    'transactions.0.source_id',
    'transactions.0.destination_id',
  ]);
  expect(await errorsOf(await tx('transfer', checking.id, cash.id))).toEqual([
    'transactions.0.destination_id',
  ]);
  expect(await errorsOf(await tx('withdrawal', checking.id, salary.id))).toEqual([
    'transactions.0.destination_id',
  ]);
  // From a liability a withdrawal reaches an expense or the cash account only.
  expect(await errorsOf(await tx('withdrawal', card.id, loan.id))).toEqual(['transactions.0.destination_id']);
  expect((await tx('withdrawal', card.id, cash.id)).status).toBe(200);
  expect((await tx('deposit', cash.id, card.id)).status).toBe(200);
  expect((await tx('withdrawal', checking.id, loan.id)).status).toBe(200);
  expect(fake.liveGroups()).toHaveLength(3);
});

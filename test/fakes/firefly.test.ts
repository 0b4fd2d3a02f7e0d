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
  await call('POST', '/api/v1/transactions', { transactions: [{ type: 'bogus', amount: 5 }] });
  await call('GET', '/api/v1/accounts?type=asset&unknown=1');
  const v = fake.violations.join('\n');
  expect(v).toMatch(/body\/transactions\/0\/type must be equal to one of the allowed values/);
  expect(v).toMatch(/amount must be string/);
  expect(v).toMatch(/query parameter unknown is not in the spec/);
});

it('fails when a reference document is missing, instead of checking nothing', () => {
  expect(() => readReference(`${FIREFLY_SPEC_PATH}.missing`)).toThrow(/missing: the tests check against it/);
});

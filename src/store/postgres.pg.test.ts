/**
 * PostgreSQL-only behaviour of the store (runs in the `postgres` test project): the start-up check
 * of DATABASE_URL, and values that must come back as they do from SQLite (big money as numbers,
 * calendar dates as text).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { withDatabase } from '../../test/helpers/find-postgres.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import { seedAccount, seedConnection, seedFamily, seedTransaction } from '../../test/fakes/ledger-seed.js';
import { openDatabase } from './database.js';
import { checkServerVersion, DatabaseConnectError } from './postgres.js';

const admin = inject('testDatabaseUrl')!;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * A server that speaks just enough of the PostgreSQL protocol to refuse a password, as a server
 * with password authentication does (this project's test server trusts every local login).
 */
async function refusingServer(): Promise<number> {
  const server: Server = createServer((socket) => {
    let asked = false;
    socket.on('data', (data) => {
      // SSLRequest (8 bytes, code 80877103): "no", then the client sends its startup message.
      if (data.length === 8 && data.readInt32BE(4) === 80877103) return void socket.write('N');
      if (!asked) {
        asked = true;
        const auth = Buffer.alloc(9);
        auth.write('R', 0);
        auth.writeInt32BE(8, 1);
        auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
        return void socket.write(auth);
      }
      const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed for user "sync"\0\0');
      const head = Buffer.alloc(5);
      head.write('E', 0);
      head.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([head, fields]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

describe('DATABASE_URL is checked at start with a clear message', () => {
  it('says when the server cannot be reached, without the password', async () => {
    const err = await openDatabase({ url: 'postgres://sync:hunter2@127.0.0.1:1/ledger' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseConnectError);
    expect(err.message).toMatch(/^DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(err.message).not.toContain('hunter2');
  });

  it('says when the password is refused', async () => {
    const port = await refusingServer();
    const err = await openDatabase({ url: `postgres://sync:hunter2@127.0.0.1:${port}/ledger` }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DatabaseConnectError);
    expect(err.message).toMatch(/refused user "sync" \(wrong password or no access\)/);
    expect(err.message).not.toContain('hunter2');
  });

  it('says when the database does not exist, and how to make it', async () => {
    const name = `ss_missing_${randomBytes(4).toString('hex')}`;
    const err = await openDatabase({ url: withDatabase(admin, name) }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseConnectError);
    expect(err.message).toContain(`database "${name}" does not exist`);
    expect(err.message).toContain(`createdb ${name}`);
  });

  it('refuses a server older than PostgreSQL 13', () => {
    expect(() => checkServerVersion(120_015, '12.15')).toThrow(
      'DATABASE_URL: PostgreSQL 12.15 is too old; Sophtron Sync needs PostgreSQL 13 or newer',
    );
    expect(() => checkServerVersion(130_000, '13.0')).not.toThrow();
  });
});

describe('values read back as on SQLite', () => {
  let database: TestDatabase;
  afterEach(async () => database?.dispose());

  it('returns money beyond 2^31 and its sums as exact numbers, and dates as the text stored', async () => {
    database = await createTestDatabase('postgres');
    const { db } = await database.open();
    const family = await seedFamily(db);
    const conn = await seedConnection(db, family);
    const account = await seedAccount(db, family, conn);
    const big = 987_654_321_012; // 9.9 billion in minor units: beyond a 32-bit integer
    await seedTransaction(db, account, { amountMinor: big, date: '2026-12-31' });
    await seedTransaction(db, account, { amountMinor: big, date: '2026-01-01' });
    const rows = await db
      .selectFrom('transactions')
      .select(['amount_minor', 'date', 'id'])
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.amount_minor, r.date])).toEqual([
      [big, '2026-12-31'],
      [big, '2026-01-01'],
    ]);
    expect(typeof rows[0]!.id).toBe('number');
    const sum = await db
      .selectFrom('transactions')
      .select((eb) => eb.fn.sum<number>('amount_minor').as('s'))
      .executeTakeFirstOrThrow();
    expect(sum.s).toBe(2 * big);
    const count = await db
      .selectFrom('transactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(2);
    // Beyond JavaScript's exact integers: an error, never a rounded amount.
    await expect(sql`select ${'9007199254740993'}::bigint as n`.execute(db)).rejects.toThrow(
      /beyond JavaScript's exact integers/,
    );
  });
});

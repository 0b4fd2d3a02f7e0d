import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openDatabase } from './database.js';
import { migrations } from './migrations/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates the file in the data folder and runs every migration from empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-db-'));
    dirs.push(dir);
    const opened = await openDatabase({ dataDir: join(dir, 'nested') });
    expect(opened.filename).toBe(join(dir, 'nested', DATABASE_FILE));
    const done = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      opened.db,
    );
    expect(done.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(opened.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    // A new data folder and database are private to this user (bank data, sealed secrets).
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    expect(statSync(opened.filename).mode & 0o777).toBe(0o600);
    expect(statSync(`${opened.filename}-wal`).mode & 0o777).toBe(0o600);
    await opened.close();
  });

  it('is idempotent when opened again and enforces foreign keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-db-'));
    dirs.push(dir);
    await (await openDatabase({ dataDir: dir })).close();
    const again = await openDatabase({ dataDir: dir });
    await expect(
      again.db
        .insertInto('accounts')
        .values({
          id: 'a1',
          family_id: 'no-such-family',
          provider_account_id: null,
          name: 'x',
          kind: 'depository',
          currency: 'USD',
          balance_rule: 'as_reported',
          sync_start_date: null,
          synced_through: null,
          last_sync_at: null,
          last_sync_outcome: null,
          last_sync_error: null,
          created_at: 'now',
          updated_at: 'now',
        })
        .execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
    await again.close();
  });

  it('upgrades a database made by 0001 alone, keeping its rows, and adds the 0002 columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-db-'));
    dirs.push(dir);
    const file = join(dir, DATABASE_FILE);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
    const first = new Migrator({
      db: old,
      provider: { getMigrations: async () => ({ '0001_ledger': migrations['0001_ledger']! }) },
    });
    expect((await first.migrateToLatest()).error).toBeUndefined();
    await sql`insert into families (id, name, time_zone, created_at) values ('f1', 'Old', 'UTC', 'x')`.execute(
      old,
    );
    await old.destroy();

    const opened = await openDatabase({ dataDir: dir });
    expect(await opened.db.selectFrom('families').select('name').execute()).toEqual([{ name: 'Old' }]);
    const cols = async (t: string) =>
      (await sql<{ name: string }>`select name from pragma_table_info(${t})`.execute(opened.db)).rows.map(
        (r) => r.name,
      );
    expect(await cols('connections')).toContain('country_code');
    expect(await cols('provider_accounts')).toEqual(
      expect.arrayContaining(['remote_status', 'due_date', 'last_updated']),
    );
    expect(await cols('accounts')).toContain('previous_sophtron_account_id');
    expect(await cols('tombstones')).toEqual(expect.arrayContaining(['transaction_id', 'change_seq']));
    expect(await cols('meta')).toEqual(['key', 'value']);
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(opened.db);
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    await opened.close();
  });

  it('runs a ledger migration added after later-numbered ones already ran (module ranges)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-db-'));
    dirs.push(dir);
    const file = join(dir, DATABASE_FILE);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
    const { '0011_tombstone_facts': _added, ...before } = migrations;
    const first = new Migrator({ db: old, provider: { getMigrations: async () => before } });
    expect((await first.migrateToLatest()).error).toBeUndefined();
    await old.destroy();

    const opened = await openDatabase({ dataDir: dir });
    const cols = await sql<{ name: string }>`select name from pragma_table_info('tombstones')`.execute(
      opened.db,
    );
    expect(cols.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['origin', 'successor_id']));
    await opened.close();
  });

  it('lets several openers of a new data folder take turns migrating (one process and several)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-db-'));
    dirs.push(dir);
    const opened = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ dataDir: join(dir, 'a') })));
    for (const o of opened) await o.close();

    // The compiled store (dist/, built by the test run's global setup): no TypeScript to compile.
    const script = `import { openDatabase } from './dist/store/database.js';
      const o = await openDatabase({ dataDir: process.argv[1] });
      await o.close();`;
    const runs = [1, 2, 3].map(
      () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            ['--input-type=module', '--eval', script, join(dir, 'b')],
            (err, _stdout, stderr) =>
              resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
          );
        }),
    );
    for (const r of await Promise.all(runs)) expect(r, r.stderr).toEqual({ code: 0, stderr: '' });

    for (const sub of ['a', 'b']) {
      const o = await openDatabase({ dataDir: join(dir, sub) });
      const done = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(o.db);
      expect(done.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
      await o.close();
    }
  });

  it('lets two processes read-then-write in transactions without "database is locked" or lost updates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-db-'));
    dirs.push(dir);
    await (await openDatabase({ dataDir: dir })).close();
    const run = () => promisify(execFile)(process.execPath, ['test/fakes/counter-writer.mjs', dir, '100']);
    const outputs = await Promise.all([run(), run()]);
    for (const { stdout } of outputs) expect(JSON.parse(stdout)).toEqual({ failures: 0 });
    const opened = await openDatabase({ dataDir: dir });
    const row = await opened.db.selectFrom('change_counter').select('value').executeTakeFirstOrThrow();
    expect(row.value).toBe(200);
    await opened.close();
  });
});

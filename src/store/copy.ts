/**
 * `db copy`: the SQLite ledger into an empty PostgreSQL database, exactly. Tables are found in the
 * source (so tables added by later migrations come along), copied parents first, in batches, in one
 * target transaction; identity sequences continue after the copied ids; every table's rows are
 * counted and checksummed on both sides, and a difference rolls the whole copy back. Sealed
 * secrets are copied as they are: the same secret key opens them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { parseDatabaseUrl } from '../database-url.js';
import { migrateToLatest, openDatabase } from './database.js';
import { dialectOf } from './dialect.js';
import { openPostgres } from './postgres.js';

// Table names are only known at run time here: the copy works on untyped rows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;
type Row = Record<string, unknown>;

export interface TableCopyReport {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
}

export const reportOk = (r: TableCopyReport): boolean =>
  r.sourceRows === r.targetRows && r.sourceChecksum === r.targetChecksum;

export class CopyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefusedError';
  }
}

/** Kysely's own bookkeeping: the target's migrations write it. */
const isBookkeeping = (table: string) => table.startsWith('kysely_');

interface SourceTable {
  name: string;
  columns: string[];
  primaryKey: string[];
  parents: string[];
}

async function sourceTables(db: AnyDb): Promise<SourceTable[]> {
  const names = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
    db,
  );
  const out: SourceTable[] = [];
  for (const { name } of names.rows) {
    if (isBookkeeping(name)) continue;
    const cols = await sql<{ name: string; pk: number }>`
      select name, pk from pragma_table_info(${name}) order by cid`.execute(db);
    const fks = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(
      db,
    );
    out.push({
      name,
      columns: cols.rows.map((c) => c.name),
      primaryKey: cols.rows
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      parents: [...new Set(fks.rows.map((f) => f.table).filter((t) => t !== name))],
    });
  }
  return parentsFirst(out);
}

/** Orders tables so every table comes after the tables its foreign keys point at. */
export function parentsFirst<T extends { name: string; parents: string[] }>(tables: T[]): T[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (t: T, path: string[]) => {
    if (done.has(t.name)) return;
    if (path.includes(t.name)) throw new Error(`foreign keys form a cycle: ${[...path, t.name].join(' → ')}`);
    for (const p of t.parents) {
      const parent = byName.get(p);
      if (parent) visit(parent, [...path, t.name]);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t, []);
  return out;
}

/**
 * An order-free checksum of a table: each row's values (as text, in column order) hashed, the
 * hashes summed modulo 2^128. The same rows give the same sum in any order, from either database.
 */
class TableChecksum {
  private sum = 0n;
  rows = 0;
  add(row: Row, columns: string[]): void {
    const h = createHash('sha256');
    for (const c of columns) {
      const v = row[c];
      h.update(
        v === null || v === undefined
          ? '\u0000null'
          : Buffer.isBuffer(v)
            ? `x${v.toString('hex')}`
            : String(v),
      );
      h.update('\u0001');
    }
    this.sum = (this.sum + BigInt(`0x${h.digest('hex').slice(0, 32)}`)) % (1n << 128n);
    this.rows++;
  }
  get hex(): string {
    return this.sum.toString(16).padStart(32, '0');
  }
}

/** Reads a table in primary-key order, `size` rows at a time (keyset paging: each page costs the same). */
async function* pages(db: AnyDb, table: string, key: string[], size: number): AsyncGenerator<Row[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const keyRefs = sql.join(key.map((k) => sql.ref(k)));
    const where: RawBuilder<unknown> =
      after === null ? sql`` : sql`where (${keyRefs}) > (${sql.join(after.map((v) => sql`${v}`))})`;
    const { rows } =
      await sql<Row>`select * from ${sql.table(table)} ${where} order by ${keyRefs} limit ${size}`.execute(
        db,
      );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    const last = rows[rows.length - 1]!;
    after = key.map((k) => last[k]);
  }
}

/** Names of tables in the target holding rows its migrations did not put there. */
async function nonEmptyTables(target: AnyDb): Promise<string[]> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(target);
  const full: string[] = [];
  for (const { name } of tables.rows) {
    if (isBookkeeping(name)) continue;
    // The one row the migrations seed: a change counter still at 0.
    const seeded = name === 'change_counter' ? sql`where value <> 0` : sql``;
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from (select 1 from ${sql.table(name)} ${seeded} limit 1) x`.execute(target);
    if (Number(rows[0]!.n) > 0) full.push(name);
  }
  return full;
}

export interface CopyOptions {
  /** Rows per insert (bounded further by PostgreSQL's 65 535 parameters a statement). */
  batchRows?: number;
  /** Called after each table is copied and compared. */
  onTable?: (report: TableCopyReport) => void;
}

/**
 * Copies `source` (SQLite, migrated) into `target` (PostgreSQL, not yet migrated: this migrates it
 * after checking it is empty). Returns one report per table; throws (target left empty) when a
 * table's count or checksum differs.
 */
export async function copyLedger(
  source: AnyDb,
  target: AnyDb,
  options: CopyOptions = {},
): Promise<TableCopyReport[]> {
  if (dialectOf(source) !== 'sqlite') throw new CopyRefusedError('db copy reads a SQLite ledger');
  if (dialectOf(target) !== 'postgres') throw new CopyRefusedError('db copy writes into PostgreSQL');
  const full = await nonEmptyTables(target);
  if (full.length > 0)
    throw new CopyRefusedError(
      `the target database is not empty (${full.slice(0, 5).join(', ')}${full.length > 5 ? ', …' : ''} hold rows); db copy only fills an empty database`,
    );
  await migrateToLatest(target);
  const batchRows = options.batchRows ?? 1000;
  // One snapshot of the source (writers wait), one transaction on the target (all or nothing).
  return source.transaction().execute((src) =>
    target.transaction().execute(async (dst) => {
      const reports: TableCopyReport[] = [];
      for (const table of await sourceTables(src)) {
        const report = await copyTable(src, dst, table, batchRows);
        if (!reportOk(report))
          throw new Error(
            `db copy: ${table.name} differs after copying (rows ${report.sourceRows} → ${report.targetRows}, checksum ${report.sourceChecksum} → ${report.targetChecksum}); nothing was kept`,
          );
        options.onTable?.(report);
        reports.push(report);
      }
      await continueSequences(dst);
      return reports;
    }),
  );
}

async function copyTable(
  src: AnyDb,
  dst: AnyDb,
  table: SourceTable,
  batchRows: number,
): Promise<TableCopyReport> {
  const key = table.primaryKey.length > 0 ? table.primaryKey : ['rowid'];
  const perInsert = Math.max(1, Math.min(batchRows, Math.floor(60_000 / table.columns.length)));
  // Only rows the migrations seeded are there (checked empty before migrating).
  await dst.deleteFrom(table.name).execute();
  const sourceSum = new TableChecksum();
  for await (const rows of pages(src, table.name, key, perInsert)) {
    const values = rows.map((r) => {
      sourceSum.add(r, table.columns);
      return Object.fromEntries(table.columns.map((c) => [c, r[c]]));
    });
    await dst.insertInto(table.name).values(values).execute();
  }
  const targetSum = new TableChecksum();
  for await (const rows of pages(dst, table.name, key, 5000))
    for (const r of rows) targetSum.add(r, table.columns);
  return {
    table: table.name,
    sourceRows: sourceSum.rows,
    targetRows: targetSum.rows,
    sourceChecksum: sourceSum.hex,
    targetChecksum: targetSum.hex,
  };
}

/** Identity columns go on after the largest copied id (the next insert must not collide). */
async function continueSequences(dst: AnyDb): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and is_identity = 'YES'`.execute(dst);
  for (const { table_name: t, column_name: c } of rows) {
    await sql`select setval(pg_get_serial_sequence(${t}, ${c}), coalesce((select max(${sql.ref(c)}) from ${sql.table(t)}), 0) + 1, false)`.execute(
      dst,
    );
  }
}

export interface CopyToPostgresInput extends CopyOptions {
  /** The SQLite ledger file to read (it must exist: a copy of nothing is a mistake). */
  sourceFile: string;
  /** postgres://… of an empty database. */
  targetUrl: string;
}

/** Opens both databases, copies, closes both. */
export async function copySqliteLedgerToPostgres(input: CopyToPostgresInput): Promise<TableCopyReport[]> {
  if (!existsSync(input.sourceFile)) throw new CopyRefusedError(`no SQLite ledger at ${input.sourceFile}`);
  if (parseDatabaseUrl(input.targetUrl).kind !== 'postgres')
    throw new CopyRefusedError('--to must be a postgres:// (or postgresql://) address');
  const source = await openDatabase({ filename: input.sourceFile });
  try {
    const target = await openPostgres(input.targetUrl);
    try {
      return await copyLedger(source.db, target.db, input);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

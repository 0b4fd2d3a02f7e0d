/**
 * Column types that differ between the two databases, for migrations. SQLite's `integer` holds 64
 * bits; PostgreSQL's holds 32, so money (minor units: sums and large currencies pass 2^31), change
 * sequences and transaction ids are `bigint` there (read back as JS numbers: see database.ts).
 * On SQLite these produce exactly the SQL the migrations always produced.
 */
import type { ColumnDataType, ColumnDefinitionBuilder, Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/** `integer` on SQLite, `bigint` on PostgreSQL: money in minor units, sequences, row ids. */
export const bigintType = (db: Kysely<unknown>): ColumnDataType => (isPostgres(db) ? 'bigint' : 'integer');

/** An auto-numbered primary key (explicit values allowed, as `db copy` writes them). */
export const autoIdColumn =
  (db: Kysely<unknown>) =>
  (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    isPostgres(db) ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();

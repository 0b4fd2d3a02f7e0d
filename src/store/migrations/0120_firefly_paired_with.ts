import { sql, type Kysely } from 'kysely';
import { bigintType } from './columns.js';

/**
 * The ledger transaction a 'paired' row is delivered with (the other side of its transfer), so a
 * side is claimed by one counterpart only. Rows paired before name their partner only in their note
 * ("delivered with transaction N"): it is read from there once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('firefly_transactions').addColumn('paired_with', bigintType(db)).execute();
  const prefix = 'delivered with transaction ';
  await sql`update firefly_transactions
    set paired_with = cast(substr(note, ${sql.lit(prefix.length + 1)}) as ${sql.raw(String(bigintType(db)))})
    where state = 'paired' and note like ${sql.lit(`${prefix}%`)}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('firefly_transactions').dropColumn('paired_with').execute();
}

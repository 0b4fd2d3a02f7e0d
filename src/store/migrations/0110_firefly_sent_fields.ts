import type { Kysely } from 'kysely';

/**
 * What was last sent to Firefly III for each delivered transaction, in the fields a person may edit
 * there (description, category, notes, other party), as JSON: the base of the three-way update that
 * keeps a person's edits when the bank changes a transaction. Rows delivered before have none: their
 * next update follows the bank, and records it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('firefly_transactions').addColumn('sent_fields', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('firefly_transactions').dropColumn('sent_fields').execute();
}

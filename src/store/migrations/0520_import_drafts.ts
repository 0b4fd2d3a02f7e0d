import type { Kysely } from 'kysely';

/**
 * import_drafts: the Firefly III import wizard's state between its steps (chosen accounts, dates,
 * options, the sync and delivery results), kept in the database so any `serve` process behind one
 * database continues a wizard another started, and a restart loses nothing. Bound to the login
 * session that started it (a hash, like web_sessions'); `data` is JSON without secrets.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_drafts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('owner_session', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('import_drafts_family')
    .on('import_drafts')
    .columns(['family_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('import_drafts').execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Login throttling with growing delays (src/store/throttle.ts): each failure's time, so a
 * bucket is forgotten after a quiet day; and the devices a person logged in from (only a hash of
 * the cookie), whose right password a lock never keeps out. Old rows used another key format.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from web_login_attempts`.execute(db);
  await db.schema.alterTable('web_login_attempts').addColumn('last_failure_at', 'text').execute();
  await db.schema
    .createTable('web_known_devices')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('web_users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_known_devices_user').on('web_known_devices').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('web_known_devices').execute();
  await db.schema.alterTable('web_login_attempts').dropColumn('last_failure_at').execute();
}

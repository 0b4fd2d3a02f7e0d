import type { Kysely } from 'kysely';
import { bigintType } from './columns.js';

/**
 * What a person watches live, in the database so every `serve` process behind one database shows
 * and continues it (issue #13):
 * - connect_sessions: one bank connect being driven through Sophtron's job. The process that
 *   started it drives the job (it holds the Sophtron client; the bank password is used once and
 *   never stored); it writes each MFA challenge here, any process writes the person's answer
 *   (sealed, and cleared once the driver took it), and the driver polls for it.
 * - web_tasks / web_task_lines: a long task started from a page (sync, import delivery): its
 *   latest progress (written at most a few times a second), its finished steps (the newest few
 *   hundred) and how it ended.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connect_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('owner_session', 'text', (c) => c.notNull())
    .addColumn('institution', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('step', 'text')
    .addColumn('status', 'text')
    .addColumn('polls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('challenge', 'text')
    .addColumn('challenge_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('answer', 'text')
    .addColumn('answer_seq', 'integer')
    .addColumn('message', 'text')
    .addColumn('connection_id', 'text')
    .addColumn('cancelled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('connect_sessions_family')
    .on('connect_sessions')
    .columns(['family_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('web_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('progress_value', bigintType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('progress_max', bigintType(db), (c) => c.notNull().defaultTo(1))
    .addColumn('progress_label', 'text', (c) => c.notNull())
    .addColumn('line_seq', 'integer', (c) => c.notNull().defaultTo(0))
    /** JSON of how it ended ({ ok, redirect, message }); null while it runs. */
    .addColumn('done', 'text')
    .execute();
  await db.schema
    .createIndex('web_tasks_family')
    .on('web_tasks')
    .columns(['family_id', 'started_at'])
    .execute();
  await db.schema
    .createTable('web_task_lines')
    .addColumn('task_id', 'text', (c) => c.notNull().references('web_tasks.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('web_task_lines_pk', ['task_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('web_task_lines').execute();
  await db.schema.dropTable('web_tasks').execute();
  await db.schema.dropTable('connect_sessions').execute();
}

/**
 * Long tasks started from a page (migration 0540): their latest progress, their finished steps
 * (the newest MAX_TASK_LINES only) and how they ended, so any process on the database shows a task
 * another runs. The process running the task decides how often it writes (src/web/tasks.ts).
 */
import type { Selectable } from 'kysely';
import type { WebTasksTable } from './schema.js';
import type { Db } from './util.js';
import { inTransaction, insertLiveState, nowIso, pruneStartedBefore } from './util.js';

/** Lines kept per task: a sync of hundreds of accounts keeps its newest steps, not all. */
export const MAX_TASK_LINES = 200;

export interface TaskProgress {
  value: number;
  max: number;
  label: string;
}

export interface TaskDone {
  ok: boolean;
  redirect: string | null;
  message: string;
}

export interface StoredTask {
  id: string;
  familyId: string;
  kind: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds of the runner's last write (at least every few seconds while it runs). */
  updatedAt: number;
  progress: TaskProgress;
  /** The seq of its newest line (0: none yet). */
  lineSeq: number;
  done: TaskDone | null;
}

function taskFromRow(r: Selectable<WebTasksTable>): StoredTask {
  return {
    id: r.id,
    familyId: r.family_id,
    kind: r.kind,
    startedAt: Date.parse(r.started_at),
    updatedAt: Date.parse(r.updated_at),
    progress: { value: r.progress_value, max: r.progress_max, label: r.progress_label },
    lineSeq: r.line_seq,
    done: r.done ? (JSON.parse(r.done) as TaskDone) : null,
  };
}

export function webTasksRepository(db: Db) {
  const row = (familyId: string, id: string, on: Db = db) =>
    on.updateTable('web_tasks').where('family_id', '=', familyId).where('id', '=', id);

  return {
    /** A new running task; false if the id is taken. */
    async createTask(
      familyId: string,
      t: { id: string; kind: string; startedAt: number; progress: TaskProgress },
    ): Promise<boolean> {
      return insertLiveState(db, 'web_tasks', familyId, t, {
        kind: t.kind,
        progress_value: t.progress.value,
        progress_max: t.progress.max,
        progress_label: t.progress.label,
        done: null,
      });
    },

    async getTask(familyId: string, id: string): Promise<StoredTask | undefined> {
      const r = await db
        .selectFrom('web_tasks')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && taskFromRow(r);
    },

    /** The task's newest progress; a finished task keeps what it had. */
    async setTaskProgress(familyId: string, id: string, p: TaskProgress): Promise<boolean> {
      const r = await row(familyId, id)
        .set({ progress_value: p.value, progress_max: p.max, progress_label: p.label, updated_at: nowIso() })
        .where('done', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Says the runner is still there (a step may wait long on a bank without news). */
    async touchTask(familyId: string, id: string): Promise<boolean> {
      const r = await row(familyId, id)
        .set({ updated_at: nowIso() })
        .where('done', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * Adds a finished step; only the newest MAX_TASK_LINES stay. Returns its seq (0: no such task).
     * One transaction: a reader in another process never sees the new seq before its line, nor one
     * line more than are kept.
     */
    async addTaskLine(familyId: string, id: string, text: string): Promise<number> {
      return inTransaction(db, async (trx) => {
        const updated = await row(familyId, id, trx)
          .set((eb) => ({ line_seq: eb('line_seq', '+', 1), updated_at: nowIso() }))
          .where('done', 'is', null)
          .returning('line_seq')
          .executeTakeFirst();
        if (!updated) return 0;
        const seq = updated.line_seq;
        await trx.insertInto('web_task_lines').values({ task_id: id, seq, text }).execute();
        await trx
          .deleteFrom('web_task_lines')
          .where('task_id', '=', id)
          .where('seq', '<=', seq - MAX_TASK_LINES)
          .execute();
        return seq;
      });
    },

    /** The task's kept lines after `afterSeq`, oldest first. */
    async listTaskLines(
      familyId: string,
      id: string,
      afterSeq = 0,
    ): Promise<{ seq: number; text: string }[]> {
      return db
        .selectFrom('web_task_lines')
        .innerJoin('web_tasks', 'web_tasks.id', 'web_task_lines.task_id')
        .select(['web_task_lines.seq', 'web_task_lines.text'])
        .where('web_tasks.family_id', '=', familyId)
        .where('web_task_lines.task_id', '=', id)
        .where('web_task_lines.seq', '>', afterSeq)
        .orderBy('web_task_lines.seq')
        .execute();
    },

    /** Records how the task ended (once: a second end changes nothing). */
    async finishTask(familyId: string, id: string, done: TaskDone): Promise<boolean> {
      const r = await row(familyId, id)
        .set({ done: JSON.stringify(done), updated_at: nowIso() })
        .where('done', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Tasks started before `before` (ISO) are forgotten with their lines. */
    async pruneTasks(familyId: string, before: string): Promise<number> {
      return pruneStartedBefore(db, 'web_tasks', familyId, before);
    },
  };
}

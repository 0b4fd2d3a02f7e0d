/**
 * Long tasks started from a page (a sync, an import delivery) run in this process; their progress
 * goes to the browser as server-sent events. A task belongs to a family: another family's request
 * for it is "not found". Finished tasks are kept a while so a late page load still sees the end.
 */
import { randomToken } from './auth/tokens.js';

export type TaskEvent =
  | { type: 'progress'; value: number; max: number; label: string }
  /** One finished step, listed under the bar (plain text). */
  | { type: 'line'; text: string }
  | { type: 'done'; redirect: string | null; ok: boolean; message: string };

export interface LiveTask {
  id: string;
  familyId: string;
  kind: string;
  startedAt: number;
  events: TaskEvent[];
  finished: boolean;
  last: { value: number; max: number; label: string };
  listeners: Set<(e: TaskEvent) => void>;
}

const KEEP_MS = 30 * 60_000;

export class LiveTasks {
  private readonly tasks = new Map<string, LiveTask>();

  get(id: string, familyId: string): LiveTask | undefined {
    const t = this.tasks.get(id);
    return t && t.familyId === familyId ? t : undefined;
  }

  /** Runs `work` in the background; it reports through `emit` and returns the final event. */
  start(
    familyId: string,
    kind: string,
    work: (emit: (e: TaskEvent) => void) => Promise<Extract<TaskEvent, { type: 'done' }>>,
  ): LiveTask {
    this.prune();
    const task: LiveTask = {
      id: randomToken(),
      familyId,
      kind,
      startedAt: Date.now(),
      events: [],
      finished: false,
      last: { value: 0, max: 1, label: 'Starting…' },
      listeners: new Set(),
    };
    this.tasks.set(task.id, task);
    const emit = (e: TaskEvent) => {
      if (task.finished) return;
      if (e.type === 'progress') task.last = { value: e.value, max: e.max, label: e.label };
      // Only the newest progress matters to a late subscriber.
      if (e.type !== 'progress') task.events.push(e);
      if (e.type === 'done') task.finished = true;
      for (const l of task.listeners) l(e);
    };
    void work(emit).then(emit, (err: unknown) =>
      emit({
        type: 'done',
        redirect: null,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      }),
    );
    return task;
  }

  private prune(now = Date.now()): void {
    for (const [id, t] of this.tasks) if (t.finished && now - t.startedAt > KEEP_MS) this.tasks.delete(id);
  }
}

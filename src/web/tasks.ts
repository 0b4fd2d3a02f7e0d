/**
 * Long tasks started from a page (a sync, an import delivery) run in this process; their progress
 * goes to the browser as server-sent events. A task belongs to a family: another family's request
 * for it is "not found". Finished tasks are kept a while so a late page load still sees the end.
 */
import { streamSSE } from 'hono/streaming';
import { randomToken } from './auth/tokens.js';
import type { Ctx, WebApp } from './context.js';
import { currentUser } from './context.js';

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

const send = (e: TaskEvent) => ({ event: e.type, data: JSON.stringify(e) });

/** GET /tasks/:id/events: replays what happened, then streams until the task ends. */
export function registerTaskEvents(app: WebApp, tasks: LiveTasks): void {
  app.get('/tasks/:id/events', (c: Ctx) => {
    const task = tasks.get(c.req.param('id') ?? '', currentUser(c).familyId);
    if (!task) return c.json({ error: 'not found' }, 404);
    return streamSSE(c, async (stream) => {
      const queue: TaskEvent[] = [{ type: 'progress', ...task.last }, ...task.events];
      let wake: (() => void) | null = null;
      const listener = (e: TaskEvent) => {
        queue.push(e);
        wake?.();
      };
      task.listeners.add(listener);
      stream.onAbort(() => {
        task.listeners.delete(listener);
        wake?.();
      });
      try {
        for (;;) {
          while (queue.length) {
            const e = queue.shift()!;
            await stream.writeSSE(send(e));
            if (e.type === 'done') return;
          }
          if (stream.aborted || stream.closed) return;
          await new Promise<void>((r) => {
            wake = r;
            // A comment line now and then keeps proxies from closing an idle stream.
            setTimeout(r, 15_000).unref?.();
          });
          wake = null;
          if (!queue.length && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        task.listeners.delete(listener);
      }
    });
  });
}

/** The page side of live tasks (src/web/tasks.ts): their progress as server-sent events. */
import { streamSSE } from 'hono/streaming';
import type { Ctx, WebApp } from './context.js';
import { currentUser } from './context.js';
import type { LiveTasks, TaskEvent } from './tasks.js';

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

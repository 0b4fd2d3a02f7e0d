/** The page side of live tasks (src/web/tasks.ts): their progress as server-sent events. */
import { streamSSE } from 'hono/streaming';
import type { Ctx, WebApp } from './context.js';
import { currentUser } from './context.js';
import type { LiveTasks, TaskEvent } from './tasks.js';

const send = (e: TaskEvent) => ({ event: e.type, data: JSON.stringify(e) });

/** A comment line after this long without news keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * GET /tasks/:id/events: what happened so far, then each change until the task ends. Read from
 * the database, so the task may run in another process; this process's own tasks wake the
 * stream as soon as they write.
 */
export function registerTaskEvents(app: WebApp, tasks: LiveTasks): void {
  app.get('/tasks/:id/events', async (c: Ctx) => {
    const id = c.req.param('id') ?? '';
    const familyId = currentUser(c).familyId;
    if (!(await tasks.get(id, familyId))) return c.json({ error: 'not found' }, 404);
    return streamSSE(c, async (stream) => {
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      let progress = '';
      let lineSeq = 0;
      let sentAt = Date.now();
      while (!stream.aborted && !stream.closed) {
        const task = await tasks.get(id, familyId);
        if (!task) return;
        const events: TaskEvent[] = [];
        const p = JSON.stringify(task.progress);
        if (p !== progress) events.push({ type: 'progress', ...task.progress });
        progress = p;
        // Read after the task: lines are written before the end, so none is missed.
        for (const l of await tasks.lines(id, familyId, lineSeq)) {
          events.push({ type: 'line', text: l.text });
          lineSeq = l.seq;
        }
        if (task.done) events.push({ type: 'done', ...task.done });
        for (const e of events) await stream.writeSSE(send(e));
        if (task.done) return;
        if (events.length) sentAt = Date.now();
        else if (Date.now() - sentAt > KEEP_ALIVE_MS) {
          await stream.write(': keep-alive\n\n');
          sentAt = Date.now();
        }
        await tasks.waitForChange(id, stop.signal);
      }
    });
  });
}

/**
 * Long tasks started from a page (a sync, an import delivery) run in the process that started
 * them; their progress is written to the database (store/web-tasks.ts), so a page served by any
 * `serve` process behind one database follows a task another runs. Progress is written at most
 * every `progressEveryMs` (the newest value always lands), finished steps and the end at once, in
 * order. A task belongs to a family: another family's request for it is "not found". Tasks are
 * kept a while, so a late page load still sees the end.
 */
import type { Store } from '../store/index.js';
import type { StoredTask } from '../store/web-tasks.js';
import { randomToken } from './auth/tokens.js';

export type TaskEvent =
  | { type: 'progress'; value: number; max: number; label: string }
  /** One finished step, listed under the bar (plain text). */
  | { type: 'line'; text: string }
  | { type: 'done'; redirect: string | null; ok: boolean; message: string };

export type LiveTask = StoredTask;

export interface LiveTasksOptions {
  /** How often a page's stream asks the database about a task run elsewhere (default 500 ms). */
  pollMs?: number;
  /** The least time between two progress writes of one task (default 250 ms). */
  progressEveryMs?: number;
}

const KEEP_MS = 6 * 3600_000;
/** A running task is written at least this often; one silent for STALE_MS has lost its process. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;

type TaskStore = Pick<
  Store,
  | 'createTask'
  | 'getTask'
  | 'setTaskProgress'
  | 'touchTask'
  | 'addTaskLine'
  | 'listTaskLines'
  | 'finishTask'
  | 'pruneTasks'
>;

export class LiveTasks {
  /** Wakes the streams of this process's tasks as soon as a write has landed (no wait for the poll). */
  private readonly wakers = new Map<string, Set<() => void>>();

  constructor(
    private readonly store: TaskStore,
    private readonly options: LiveTasksOptions = {},
  ) {}

  /** The tasks this process runs. */
  private readonly running = new Set<string>();

  async get(id: string, familyId: string): Promise<LiveTask | undefined> {
    const t = await this.store.getTask(familyId, id);
    // Its process died (killed, machine gone) before the end: the page says so instead of waiting.
    if (t && !t.done && !this.running.has(id) && Date.now() - t.updatedAt > STALE_MS)
      return {
        ...t,
        done: { ok: false, redirect: null, message: 'The server running this stopped before it ended.' },
      };
    return t;
  }

  /** The task's finished steps after `afterSeq` (the newest few hundred are kept). */
  lines(id: string, familyId: string, afterSeq: number) {
    return this.store.listTaskLines(familyId, id, afterSeq);
  }

  /** Runs `work` in the background; it reports through `emit` and returns the final event. */
  async start(
    familyId: string,
    kind: string,
    work: (emit: (e: TaskEvent) => void) => Promise<Extract<TaskEvent, { type: 'done' }>>,
  ): Promise<{ id: string; startedAt: number }> {
    const startedAt = Date.now();
    await this.store.pruneTasks(familyId, new Date(startedAt - KEEP_MS).toISOString());
    const id = randomToken();
    await this.store.createTask(familyId, {
      id,
      kind,
      startedAt,
      progress: { value: 0, max: 1, label: 'Starting…' },
    });
    const wakers = new Set<() => void>();
    this.wakers.set(id, wakers);
    const emit = this.writer(familyId, id, () => {
      for (const w of [...wakers]) w();
    });
    this.running.add(id);
    const heartbeat = setInterval(
      () => void this.store.touchTask(familyId, id).catch(() => undefined),
      HEARTBEAT_MS,
    );
    heartbeat.unref?.();
    void work(emit)
      .then(emit, (err: unknown) =>
        emit({
          type: 'done',
          redirect: null,
          ok: false,
          message: err instanceof Error ? err.message : String(err),
        }),
      )
      .finally(() => {
        clearInterval(heartbeat);
        this.running.delete(id);
        setTimeout(() => this.wakers.delete(id), 60_000).unref?.();
      });
    return { id, startedAt };
  }

  /** Resolves when the task may have changed: a write of this process landed, or the poll interval passed. */
  waitForChange(id: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(id);
      const wake = () => {
        clearTimeout(timer);
        set?.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, this.options.pollMs ?? 500);
      set?.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  /** The task's `emit`: writes in order, one at a time; progress throttled to its newest value. */
  private writer(familyId: string, id: string, landed: () => void): (e: TaskEvent) => void {
    const every = this.options.progressEveryMs ?? 250;
    let chain = Promise.resolve();
    let finished = false;
    let pending: Extract<TaskEvent, { type: 'progress' }> | null = null;
    let timer: NodeJS.Timeout | null = null;
    let lastProgressAt = 0;
    const write = (fn: () => Promise<unknown>) => {
      // A failed write loses that update, not the task: the next one (or the end) still lands.
      chain = chain.then(fn).then(landed, () => undefined);
    };
    const flushProgress = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (!pending) return;
      const p = pending;
      pending = null;
      lastProgressAt = Date.now();
      write(() => this.store.setTaskProgress(familyId, id, { value: p.value, max: p.max, label: p.label }));
    };
    return (e) => {
      if (finished) return;
      if (e.type === 'progress') {
        pending = e;
        const wait = lastProgressAt + every - Date.now();
        if (wait <= 0) flushProgress();
        else timer ??= setTimeout(flushProgress, wait);
        return;
      }
      flushProgress();
      if (e.type === 'line') write(() => this.store.addTaskLine(familyId, id, e.text));
      else {
        finished = true;
        write(() =>
          this.store.finishTask(familyId, id, { ok: e.ok, redirect: e.redirect, message: e.message }),
        );
      }
    };
  }
}

/** A live progress bar fed by the task's server-sent events (assets/app.js). */
export function LiveProgress({ taskId, label, since }: { taskId: string; label: string; since: number }) {
  return (
    <div class="card" data-sse={`/tasks/${taskId}/events`} id="live-progress" aria-live="polite">
      <progress value="0" max="1" aria-label={label}></progress>
      <p data-progress-label="">Starting…</p>
      <p class="muted">
        Elapsed: <span data-elapsed-since={String(since)}>0 min 0 s</span>
      </p>
      <ul data-progress-lines="" class="muted"></ul>
      <noscript>
        <p>This page updates itself with JavaScript. Without it, open the history in a minute.</p>
      </noscript>
    </div>
  );
}

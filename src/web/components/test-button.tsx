/**
 * A "test this connection" button: answers in place through htmx (a plain POST without
 * JavaScript), is disabled while the test runs, and says it is running.
 */
import { CsrfField } from '../layout.js';

export function TestButton({
  action,
  resultId,
  csrf,
  label,
}: {
  action: string;
  /** The element (outside the form) the answer goes into; it is announced to screen readers. */
  resultId: string;
  csrf: string;
  label: string;
}) {
  return (
    <>
      <form
        method="post"
        action={action}
        hx-post={action}
        hx-disabled-elt="find button"
        hx-target={`#${resultId}`}
        hx-swap="innerHTML"
      >
        <CsrfField token={csrf} />
        <button type="submit">{label}</button> <span class="htmx-indicator muted">Testing…</span>
      </form>
      <div id={resultId} aria-live="polite"></div>
    </>
  );
}

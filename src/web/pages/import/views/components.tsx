/** Pieces the wizard's pages share: the row of steps, Firefly III's problem, the configuration link. */
import type { ImportDraft } from '../../../import/drafts.js';
import type { FireflyAnswer } from '../loaders.js';

const STEPS = ['Configuration', 'Accounts', 'Dates', 'Options', 'Sync', 'Map', 'Deliver', 'Result'];

export function Steps({ current }: { current: number }) {
  return (
    <ol class="steps" aria-label="Import steps">
      {STEPS.map((s, i) => (
        <li
          aria-current={i === current ? 'step' : undefined}
          class={i === current ? 'current' : i < current ? 'done' : ''}
        >
          {s}
        </li>
      ))}
    </ol>
  );
}

/** Why Firefly III's accounts are missing, and the ways on: ask again, or fix the connection. */
export function FireflyProblem({ answer, again }: { answer: FireflyAnswer; again: string }) {
  if ('accounts' in answer) return null;
  return (
    <div class="flash error" role="alert">
      <p>{answer.problem}</p>
      <p>
        {answer.connected && (
          <>
            <a href={again}>Ask Firefly III again</a> ·{' '}
          </>
        )}
        <a href="/settings">Settings</a> · Accounts can still be chosen: each becomes a new Firefly III
        account unless another is chosen later.
      </p>
    </div>
  );
}

/** The configuration so far, to keep or to run later with `sophtron-sync import`. */
export function ConfigDownload({ d }: { d: ImportDraft }) {
  if (Object.keys(d.config.accounts).length === 0) return null;
  return (
    <p class="muted">
      <a href={`/import/${d.id}/config.json`} download="import_config.json">
        Download the configuration
      </a>{' '}
      (the accounts, dates and options chosen so far; no secrets)
    </p>
  );
}

/** The sync step: read the chosen accounts from Sophtron first (or skip), with its live progress. */
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { LiveProgress } from '../../../components/progress.js';
import { flashFrom, page } from '../../../render.js';
import type { LiveTask } from '../../../tasks.js';
import { base } from '../shared.js';
import { ConfigDownload, Steps } from './components.js';

export const syncPage = (c: Ctx, d: ImportDraft, task: LiveTask | undefined) =>
  page(
    c,
    'Import: sync from Sophtron',
    <>
      <Steps current={4} />
      <ConfigDownload d={d} />
      {task ? (
        <LiveProgress taskId={task.id} label="Sync progress" since={task.startedAt} />
      ) : (
        <form method="post" action={`${base(d)}/sync`} class="card narrow">
          <CsrfField token={c.var.csrf} />
          <p>
            First read the chosen accounts from Sophtron into the ledger, then deliver only what is new or
            changed.
          </p>
          <button type="submit">Sync now</button>{' '}
          <button type="submit" name="skip" value="1" class="secondary">
            Skip (deliver what the ledger has)
          </button>
        </form>
      )}
    </>,
    { flash: flashFrom(c) },
  );

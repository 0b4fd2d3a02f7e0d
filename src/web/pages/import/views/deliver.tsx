/** The delivery step: what the sync found, "Deliver now" (or "Try again"), and its live progress. */
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { LiveProgress } from '../../../components/progress.js';
import { page } from '../../../render.js';
import type { DeliverStep } from '../loaders.js';
import { base } from '../shared.js';
import { ConfigDownload, Steps } from './components.js';

export const deliverPage = (c: Ctx, d: ImportDraft, { task, flash, connected }: DeliverStep) =>
  page(
    c,
    'Import: deliver to Firefly III',
    <>
      <Steps current={6} />
      {task ? (
        <LiveProgress taskId={task.id} label="Delivery progress" since={task.startedAt} />
      ) : (
        <DeliverForm c={c} d={d} retry={flash?.kind === 'error' && connected} connected={connected} />
      )}
      {!task && (
        <p class="actions">
          {(!connected || flash?.kind === 'error') && (
            <a class="button secondary" href="/settings">
              {connected ? 'Check the Firefly III connection in Settings' : 'Set up Firefly III in Settings'}
            </a>
          )}
          <a class="button secondary" href={`${base(d)}/options`}>
            Back: options
          </a>
        </p>
      )}
      <ConfigDownload d={d} />
    </>,
    { flash },
  );

function DeliverForm({
  c,
  d,
  retry,
  connected,
}: {
  c: Ctx;
  d: ImportDraft;
  retry: boolean;
  connected: boolean;
}) {
  return (
    <form method="post" action={`${base(d)}/deliver`} class="card narrow">
      <CsrfField token={c.var.csrf} />
      {d.sync && (
        <p>
          Sync: {d.sync.outcome}; {d.sync.totals.new} new, {d.sync.totals.updated} updated,{' '}
          {d.sync.totals.merged} pending→posted, {d.sync.sophtronCalls} Sophtron calls.
        </p>
      )}
      <p>Send new and changed transactions to Firefly III. Nothing already delivered is sent twice.</p>
      {!connected && <p>Firefly III is not connected yet: set its address and token in Settings.</p>}
      <button type="submit">{retry ? 'Try again' : 'Deliver now'}</button>
    </form>
  );
}

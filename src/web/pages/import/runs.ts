/**
 * The wizard's two long steps as live tasks: the sync from Sophtron and the delivery to Firefly III.
 * Each saves the draft before it ends: the next step may be served by another process.
 */
import type { FireflyClient } from '../../../destinations/firefly/client.js';
import type { DeliveryProgress } from '../../../destinations/firefly/deliver.js';
import type { Ctx } from '../../context.js';
import { deliverPrepared, type PreparedImport } from '../../import/engine.js';
import type { ImportDraft, ImportDrafts } from '../../import/drafts.js';
import { withFlash } from '../../render.js';
import type { LiveTasks, TaskEvent } from '../../tasks.js';
import { syncProgress } from '../sync/routes.js';
import { afterSync, base, errorText } from './shared.js';

type Emit = (e: TaskEvent) => void;

/** Reads the chosen accounts from Sophtron into the ledger, then sends the page on. */
export function startImportSync(
  c: Ctx,
  tasks: LiveTasks,
  drafts: ImportDrafts,
  d: ImportDraft,
  prepared: PreparedImport,
) {
  const { store, services } = c.var.deps;
  return tasks.start(d.familyId, 'import-sync', async (emit) => {
    d.sync = await services.sync.run(d.familyId, {
      trigger: 'import',
      accountIds: prepared.accountIds,
      onEvent: syncProgress(emit),
      partOf: 'import',
    });
    // Saved before the page is sent on: the next step may be served by another process.
    await drafts.save(store, d);
    return {
      type: 'done',
      ok: d.sync.outcome !== 'failed',
      redirect: afterSync(d),
      message: d.sync.outcome,
    };
  });
}

/** Sends the prepared import to Firefly III, then shows the result (or the delivery step with why not). */
export function startImportDelivery(
  c: Ctx,
  tasks: LiveTasks,
  drafts: ImportDrafts,
  d: ImportDraft,
  run: { client: FireflyClient; prepared: PreparedImport },
) {
  const { store, services, config } = c.var.deps;
  return tasks.start(d.familyId, 'import-deliver', async (emit) => {
    emit({ type: 'progress', value: 0, max: 1, label: 'Checking Firefly III…' });
    // A delivery that stops before sending anything goes back to its step with the reason and a
    // "Try again", never to an empty progress bar.
    const stopped = (reason: string) => ({
      type: 'done' as const,
      ok: false,
      redirect: withFlash(`${base(d)}/deliver`, 'error', `Nothing was delivered: ${reason}`),
      message: reason,
    });
    let delivery;
    try {
      // Asked first with a short budget: an unreachable Firefly III is said in seconds.
      const quick = await services.firefly.client(d.familyId, { interactive: true });
      await quick?.checkVersion();
    } catch (err) {
      return stopped(errorText(err));
    }
    try {
      delivery = await deliverPrepared(store, run.client, d.familyId, run.prepared, {
        concurrency: config.fireflyConcurrency,
        onProgress: deliveryProgress(emit),
      });
    } catch (err) {
      return stopped(errorText(err));
    }
    if (delivery.aborted && delivery.created + delivery.updated + delivery.failed === 0)
      return stopped(delivery.aborted);
    d.delivery = delivery;
    await drafts.save(store, d);
    return {
      type: 'done',
      ok: !delivery.aborted,
      redirect: `${base(d)}/result`,
      message: delivery.aborted ?? 'delivered',
    };
  });
}

const deliveryProgress = (emit: Emit) => (p: DeliveryProgress) =>
  emit({
    type: 'progress',
    value: p.done,
    max: Math.max(1, p.total),
    label: `Delivered ${p.done} of ${p.total}: ${p.created} created, ${p.updated} updated, ${p.failed} failed`,
  });

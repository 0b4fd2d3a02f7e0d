/** The deliveries that follow a scheduled sync: each enabled destination, here or on the job queue. */
import { destinations } from '../app/destinations.js';
import type { ScheduleDestination } from '../store/index.js';
import type { SchedulerContext } from './context.js';

/** One destination's delivery (we hold the family's lock): run, notify, record its outcome. */
export async function deliverOne(
  ctx: SchedulerContext,
  familyId: string,
  d: ScheduleDestination,
  lockOwner: string,
): Promise<{ outcome: 'succeeded' | 'failed'; message: string }> {
  const { deps, notifier, now } = ctx;
  const subject = `delivery:${d.destination}`;
  const label = destinations.get(d.destination)?.deliveryTitle ?? `Delivery to ${d.destination}`;
  let outcome: 'succeeded' | 'failed' = 'succeeded';
  let message: string;
  try {
    if (!deps.runDelivery) throw new Error('delivery is not available in this process');
    message = (
      await deps.runDelivery(familyId, d.destination, d.options, { lockHeldBy: lockOwner, now: now() })
    ).message;
    await notifier.outcome(familyId, subject, label, { ok: true });
  } catch (err) {
    outcome = 'failed';
    message = err instanceof Error ? err.message : String(err);
    await notifier.outcome(familyId, subject, label, { ok: false, kind: 'failure', message });
  }
  await ctx.store.recordDeliveryOutcome(familyId, d.destination, outcome, message, now().toISOString());
  return { outcome, message };
}

/** After a sync: each enabled destination delivers here, or goes on the queue (PostgreSQL mode). */
export async function deliverAfterSync(
  ctx: SchedulerContext,
  familyId: string,
  lockOwner: string,
): Promise<string[]> {
  const notes: string[] = [];
  for (const d of await ctx.store.listDestinations(familyId)) {
    if (!d.enabled) continue;
    if (ctx.deps.dispatchDelivery) {
      const queued = await ctx.deps.dispatchDelivery(familyId, d.destination);
      notes.push(`${d.destination}: ${queued ? 'queued' : 'already queued'}`);
    } else notes.push(`${d.destination}: ${(await deliverOne(ctx, familyId, d, lockOwner)).message}`);
  }
  return notes;
}

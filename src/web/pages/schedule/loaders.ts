/** What the Schedule page shows, read for one family: the page's view renders it without a request. */
import { destinations } from '../../../app/destinations.js';
import type { Destination } from '../../../destinations/destination.js';
import { channelsRepository } from '../../../scheduler/notifications/channels.js';
import { scheduleStatus, type ScheduleDestination } from '../../../scheduler/schedules.js';
import { schedulerSettings } from '../../../scheduler/settings.js';
import type { WebDeps } from '../../context.js';

export type ScheduleData = Awaited<ReturnType<typeof loadSchedule>>;

export interface KnownDestination {
  destination: Destination;
  settings: ScheduleDestination | null;
}

export async function loadSchedule(deps: WebDeps, familyId: string) {
  const { store, config } = deps;
  const settings = schedulerSettings(config);
  const status = await scheduleStatus(store, familyId, settings);
  const channels = await channelsRepository(store).listChannels(familyId);
  const incidents = await store.openIncidents(familyId);
  const accounts = await store.listAccounts(familyId);
  // Every destination of the registry, with the family's settings for it.
  const known: KnownDestination[] = destinations.list().map((destination) => ({
    destination,
    settings: status.destinations.find((d) => d.destination === destination.name) ?? null,
  }));
  return { status, channels, incidents, accounts, known };
}

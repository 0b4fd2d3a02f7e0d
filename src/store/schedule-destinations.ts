/**
 * A family's destination settings (schedule_destinations): whether delivery to each destination
 * follows a scheduled sync, its options as saved, and how its last delivery went.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ScheduleDestination {
  /** A destination's name in the registry (src/app/destinations.ts). */
  destination: string;
  enabled: boolean;
  options: Record<string, unknown>;
  lastDeliveryAt: string | null;
  lastOutcome: string | null;
  lastMessage: string | null;
}

export async function listDestinations(
  db: Kysely<Database>,
  familyId: string,
): Promise<ScheduleDestination[]> {
  const rows = await db
    .selectFrom('schedule_destinations')
    .selectAll()
    .where('family_id', '=', familyId)
    .orderBy('destination')
    .execute();
  return rows.map((r) => ({
    destination: r.destination,
    enabled: r.enabled === 1,
    options: JSON.parse(r.options) as Record<string, unknown>,
    lastDeliveryAt: r.last_delivery_at,
    lastOutcome: r.last_outcome,
    lastMessage: r.last_message,
  }));
}

export function scheduleDestinationsRepository(db: Kysely<Database>) {
  return {
    /** The family's settings for each destination it has saved, by destination name. */
    listDestinations: (familyId: string): Promise<ScheduleDestination[]> => listDestinations(db, familyId),
  };
}

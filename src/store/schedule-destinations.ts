/**
 * A family's destination settings (schedule_destinations): whether delivery to each destination
 * follows a scheduled sync, its options as saved, and how its last delivery went.
 */
import type { Db } from './util.js';

export interface ScheduleDestination {
  /** A destination's name in the registry (src/app/destinations.ts). */
  destination: string;
  enabled: boolean;
  options: Record<string, unknown>;
  lastDeliveryAt: string | null;
  lastOutcome: string | null;
  lastMessage: string | null;
}

export async function listDestinations(db: Db, familyId: string): Promise<ScheduleDestination[]> {
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

export function scheduleDestinationsRepository(db: Db) {
  return {
    /** The family's settings for each destination it has saved, by destination name. */
    listDestinations: (familyId: string): Promise<ScheduleDestination[]> => listDestinations(db, familyId),

    /** The saved options of one destination of the family; undefined when it has none saved. */
    async destinationOptions(familyId: string, destination: string): Promise<unknown> {
      const existing = await db
        .selectFrom('schedule_destinations')
        .select('options')
        .where('family_id', '=', familyId)
        .where('destination', '=', destination)
        .executeTakeFirst();
      return existing ? (JSON.parse(existing.options) as unknown) : undefined;
    },

    /** Creates or updates a destination's settings (its last delivery stays as it was). */
    async saveDestination(
      familyId: string,
      destination: string,
      input: { enabled: boolean; options: unknown },
      at: string,
    ): Promise<void> {
      const enabled = input.enabled ? 1 : 0;
      const options = JSON.stringify(input.options);
      await db
        .insertInto('schedule_destinations')
        .values({
          family_id: familyId,
          destination,
          enabled,
          options,
          last_delivery_at: null,
          last_outcome: null,
          last_message: null,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.columns(['family_id', 'destination']).doUpdateSet({ enabled, options, updated_at: at }),
        )
        .execute();
    },

    async recordDeliveryOutcome(
      familyId: string,
      destination: string,
      outcome: string,
      message: string,
      at: string,
    ): Promise<void> {
      await db
        .updateTable('schedule_destinations')
        .set({ last_delivery_at: at, last_outcome: outcome, last_message: message })
        .where('family_id', '=', familyId)
        .where('destination', '=', destination)
        .execute();
    },
  };
}

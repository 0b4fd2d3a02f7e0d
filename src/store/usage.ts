/** The quota ledger: Sophtron calls per family, month (UTC, YYYY-MM) and endpoint. */
import type { Db } from './util.js';

export const usageMonth = (at: Date = new Date()): string => at.toISOString().slice(0, 7);

export function usageRepository(db: Db) {
  return {
    async incrementUsage(
      familyId: string,
      endpoint: string,
      calls = 1,
      at: Date = new Date(),
    ): Promise<void> {
      const month = usageMonth(at);
      await db
        .insertInto('sophtron_usage')
        .values({ family_id: familyId, month, endpoint, calls })
        .onConflict((oc) =>
          oc
            .columns(['family_id', 'month', 'endpoint'])
            .doUpdateSet((eb) => ({ calls: eb('sophtron_usage.calls', '+', calls) })),
        )
        .execute();
    },

    /** The family's calls in a month (default this month). */
    async monthTotal(familyId: string, month: string = usageMonth()): Promise<number> {
      const row = await db
        .selectFrom('sophtron_usage')
        .select((eb) => eb.fn.sum<number | string | null>('calls').as('n'))
        .where('family_id', '=', familyId)
        .where('month', '=', month)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** Every family's calls in a month: SOPHTRON_MONTHLY_BUDGET is per instance. */
    async instanceMonthTotal(month: string = usageMonth()): Promise<number> {
      const row = await db
        .selectFrom('sophtron_usage')
        .select((eb) => eb.fn.sum<number | string | null>('calls').as('n'))
        .where('month', '=', month)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async usageByEndpoint(
      familyId: string,
      month: string = usageMonth(),
    ): Promise<{ endpoint: string; calls: number }[]> {
      const rows = await db
        .selectFrom('sophtron_usage')
        .select(['endpoint', 'calls'])
        .where('family_id', '=', familyId)
        .where('month', '=', month)
        .orderBy('calls', 'desc')
        .orderBy('endpoint')
        .execute();
      return rows.map((r) => ({ endpoint: r.endpoint, calls: Number(r.calls) }));
    },
  };
}

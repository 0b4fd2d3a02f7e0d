/**
 * What the scheduler keeps in the ledger: each family's schedule (cron, budget, last run),
 * its retry backoff per connection ('*' for the whole sync), and the ledger figures it decides
 * and projects by (linked accounts, calls of recent runs, when runs started).
 */
import type { Selectable } from 'kysely';
import type { SchedulerBackoffTable, SchedulesTable } from './schema.js';
import type { Db } from './util.js';

export type ScheduleRow = Selectable<SchedulesTable>;
export type BackoffRow = Selectable<SchedulerBackoffTable>;

/** Another family's enabled schedule, as the instance budget counts it. */
export interface EnabledSchedule {
  familyId: string;
  cron: string;
  monthlyBudget: number | null;
  timeZone: string;
}

export function schedulesRepository(db: Db) {
  return {
    getScheduleRow(familyId: string): Promise<ScheduleRow | undefined> {
      return db.selectFrom('schedules').selectAll().where('family_id', '=', familyId).executeTakeFirst();
    },

    async hasSchedule(familyId: string): Promise<boolean> {
      const row = await db
        .selectFrom('schedules')
        .select('family_id')
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Creates or updates the family's schedule (its last run stays as it was). */
    async saveSchedule(
      familyId: string,
      input: { enabled: boolean; cron: string; monthlyBudget: number | null },
      at: string,
    ): Promise<void> {
      const enabled = input.enabled ? 1 : 0;
      const { cron } = input;
      await db
        .insertInto('schedules')
        .values({
          family_id: familyId,
          enabled,
          cron,
          monthly_budget: input.monthlyBudget,
          last_run_at: null,
          last_outcome: null,
          last_message: null,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc
            .column('family_id')
            .doUpdateSet({ enabled, cron, monthly_budget: input.monthlyBudget, updated_at: at }),
        )
        .execute();
    },

    /** The family's own monthly budget; null when it has none (or no schedule). */
    async scheduleMonthlyBudget(familyId: string): Promise<number | null> {
      const row = await db
        .selectFrom('schedules')
        .select('monthly_budget')
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      return row?.monthly_budget ?? null;
    },

    /** The last run's outcome in words; `startedAt` also moves the run anchor (a slot was served). */
    async setScheduleOutcome(
      familyId: string,
      outcome: string,
      message: string,
      startedAt?: string,
    ): Promise<void> {
      await db
        .updateTable('schedules')
        .set({
          last_outcome: outcome,
          last_message: message,
          ...(startedAt ? { last_run_at: startedAt } : {}),
        })
        .where('family_id', '=', familyId)
        .execute();
    },

    /** The families whose schedule is on (every family the scheduler ticks over). */
    async enabledScheduleFamilies(): Promise<string[]> {
      const rows = await db.selectFrom('schedules').select('family_id').where('enabled', '=', 1).execute();
      return rows.map((r) => r.family_id);
    },

    /**
     * The enabled schedules of every family but this one: they share the instance budget, so a
     * family's projection is checked against theirs.
     */
    async otherEnabledSchedules(familyId: string): Promise<EnabledSchedule[]> {
      const rows = await db
        .selectFrom('schedules')
        .innerJoin('families', 'families.id', 'schedules.family_id')
        .select(['schedules.family_id', 'schedules.cron', 'schedules.monthly_budget', 'families.time_zone'])
        .where('schedules.enabled', '=', 1)
        .where('schedules.family_id', '!=', familyId)
        .execute();
      return rows.map((r) => ({
        familyId: r.family_id,
        cron: r.cron,
        monthlyBudget: r.monthly_budget,
        timeZone: r.time_zone,
      }));
    },
  };
}

/** The retry backoff per connection ('*': the whole sync) of a family. */
export function schedulerBackoffRepository(db: Db) {
  return {
    backoffOf(familyId: string): Promise<BackoffRow[]> {
      return db.selectFrom('scheduler_backoff').selectAll().where('family_id', '=', familyId).execute();
    },

    /** The family's backoff rows with their bank's name (null for '*' and gone connections). */
    backoffWithInstitutions(familyId: string) {
      return db
        .selectFrom('scheduler_backoff as b')
        .leftJoin('connections as c', 'c.id', 'b.connection_id')
        .select(['b.connection_id', 'b.failures', 'b.next_attempt_at', 'b.last_error', 'c.institution_name'])
        .where('b.family_id', '=', familyId)
        .execute();
    },

    /**
     * Counts one more failure of a connection ('*': the whole sync) and sets its next attempt
     * `delayMs(failures)` after `now`.
     */
    async recordBackoffFailure(
      familyId: string,
      connectionId: string,
      error: string,
      now: Date,
      delayMs: (failures: number) => number,
    ): Promise<{ failures: number; nextAttemptAt: string }> {
      const row = await db
        .selectFrom('scheduler_backoff')
        .select('failures')
        .where('family_id', '=', familyId)
        .where('connection_id', '=', connectionId)
        .executeTakeFirst();
      const failures = (row?.failures ?? 0) + 1;
      const nextAttemptAt = new Date(now.getTime() + delayMs(failures)).toISOString();
      const values = {
        failures,
        next_attempt_at: nextAttemptAt,
        last_error: error,
        updated_at: now.toISOString(),
      };
      await db
        .insertInto('scheduler_backoff')
        .values({ family_id: familyId, connection_id: connectionId, ...values })
        .onConflict((oc) => oc.columns(['family_id', 'connection_id']).doUpdateSet(values))
        .execute();
      return { failures, nextAttemptAt };
    },

    async clearBackoff(familyId: string, connectionId: string): Promise<void> {
      await db
        .deleteFrom('scheduler_backoff')
        .where('family_id', '=', familyId)
        .where('connection_id', '=', connectionId)
        .execute();
    },
  };
}

/** The ledger figures a family's schedule is decided and projected by. */
export function scheduleFiguresRepository(db: Db) {
  return {
    /** Accounts of the family linked to a provider account (each is synced). */
    async linkedAccountCount(familyId: string): Promise<number> {
      const linked = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('family_id', '=', familyId)
        .where('provider_account_id', 'is not', null)
        .executeTakeFirst();
      return Number(linked?.n ?? 0);
    },

    /** Sophtron calls of the family's last `limit` finished runs that made any, newest first. */
    async recentSyncCalls(familyId: string, limit: number): Promise<number[]> {
      const runs = await db
        .selectFrom('sync_runs')
        .select('sophtron_calls')
        .where('family_id', '=', familyId)
        .where('outcome', 'in', ['succeeded', 'partial'])
        .where('sophtron_calls', '>', 0)
        .orderBy('started_at', 'desc')
        .limit(limit)
        .execute();
      return runs.map((r) => r.sophtron_calls);
    },

    /** When the family's last run (of any trigger) started. */
    async lastRunStartedAt(familyId: string): Promise<string | undefined> {
      const last = await db
        .selectFrom('sync_runs')
        .select('started_at')
        .where('family_id', '=', familyId)
        .orderBy('started_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return last?.started_at;
    },

    /** The outcome of the family's latest scheduled run started at or after `since`. */
    async scheduledRunOutcomeSince(familyId: string, since: string): Promise<string | undefined> {
      const run = await db
        .selectFrom('sync_runs')
        .select('outcome')
        .where('family_id', '=', familyId)
        .where('trigger', '=', 'schedule')
        .where('started_at', '>=', since)
        .orderBy('started_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return run?.outcome;
    },
  };
}

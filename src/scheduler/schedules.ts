/**
 * Schedules of families and the destinations that follow them: reading, setting (refused when the
 * projected Sophtron use does not fit the budget), and the status shown by `schedule show` and the
 * Schedule page.
 */
import { destinations } from '../app/destinations.js';
import { UnknownDestinationError } from '../destinations/destination.js';
import type { ScheduleDestination, Store } from '../store/index.js';
import {
  checkProjection,
  monthOf,
  pace,
  project,
  usedThisMonth,
  type BudgetCheck,
  type Pace,
  type Projection,
} from './budget.js';
import { cronProblem, nextSlot } from './cron.js';
import type { SchedulerSettings } from './settings.js';

export type { ScheduleDestination } from '../store/index.js';

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export interface Schedule {
  familyId: string;
  enabled: boolean;
  cron: string;
  monthlyBudget: number | null;
  lastRunAt: string | null;
  lastOutcome: string | null;
  lastMessage: string | null;
  createdAt: string;
  updatedAt: string;
  /** True when no row exists yet: what `set` would start from. */
  isDefault: boolean;
}

async function timeZoneOf(store: Store, familyId: string): Promise<string> {
  const timeZone = await store.familyTimeZone(familyId);
  if (timeZone === undefined) throw new ScheduleError(`family ${familyId} does not exist`);
  return timeZone;
}

export async function getSchedule(
  store: Store,
  familyId: string,
  settings: Pick<SchedulerSettings, 'defaultCron'>,
): Promise<Schedule> {
  const row = await store.getScheduleRow(familyId);
  if (!row) {
    return {
      familyId,
      enabled: false,
      cron: settings.defaultCron,
      monthlyBudget: null,
      lastRunAt: null,
      lastOutcome: null,
      lastMessage: null,
      createdAt: '',
      updatedAt: '',
      isDefault: true,
    };
  }
  return {
    familyId,
    enabled: row.enabled === 1,
    cron: row.cron,
    monthlyBudget: row.monthly_budget,
    lastRunAt: row.last_run_at,
    lastOutcome: row.last_outcome,
    lastMessage: row.last_message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    isDefault: false,
  };
}

/**
 * Projected calls of every other family's enabled schedule. They all count against the instance
 * budget: SOPHTRON_MONTHLY_BUDGET is the ceiling of every call the instance makes, and a family's
 * own budget is a cap inside it (so such a family counts for at most its own budget).
 */
async function othersProjected(
  store: Store,
  familyId: string,
  settings: SchedulerSettings,
  now: Date,
): Promise<number> {
  let total = 0;
  for (const r of await store.otherEnabledSchedules(familyId)) {
    const projected = (await project(store, r.familyId, r.cron, r.timeZone, settings.callsPerAccount, now))
      .projectedCalls;
    total += Math.min(projected, r.monthlyBudget ?? Infinity);
  }
  return total;
}

const INSTANCE_BUDGET = 'monthly budget (SOPHTRON_MONTHLY_BUDGET)';

/**
 * A schedule fits when its projected use fits the family's own budget (when it has one) AND,
 * together with every other family's schedule, the instance's budget.
 */
export async function checkBudget(
  store: Store,
  familyId: string,
  cron: string,
  monthlyBudget: number | null,
  settings: SchedulerSettings,
  now: Date,
): Promise<{ projection: Projection; check: BudgetCheck }> {
  const tz = await timeZoneOf(store, familyId);
  const projection = await project(store, familyId, cron, tz, settings.callsPerAccount, now);
  const own =
    monthlyBudget !== null ? checkProjection(projection, monthlyBudget, 0, "family's monthly budget") : null;
  if (own && !own.ok) return { projection, check: own };
  const instance = checkProjection(
    projection,
    settings.instanceBudget,
    await othersProjected(store, familyId, settings, now),
    INSTANCE_BUDGET,
  );
  if (own && instance.ok) {
    return {
      projection,
      check: {
        ...own,
        message: `${own.message.replace(/\.$/, '')}, and within the instance's ${INSTANCE_BUDGET} of ${instance.budget.toLocaleString('en-US')}${instance.othersProjected ? ` with the other families' ${instance.othersProjected.toLocaleString('en-US')}` : ''}.`,
      },
    };
  }
  return { projection, check: instance };
}

export interface SetScheduleInput {
  cron?: string;
  enabled?: boolean;
  /** Calls a month for this family alone; null = share the instance budget. */
  monthlyBudget?: number | null;
}

export async function setSchedule(
  store: Store,
  familyId: string,
  input: SetScheduleInput,
  settings: SchedulerSettings,
  now: Date = new Date(),
): Promise<{ schedule: Schedule; check: BudgetCheck | null }> {
  const current = await getSchedule(store, familyId, settings);
  const cron = (input.cron ?? current.cron).trim();
  const enabled = input.enabled ?? (input.cron !== undefined ? true : current.enabled);
  const monthlyBudget = input.monthlyBudget === undefined ? current.monthlyBudget : input.monthlyBudget;
  if (monthlyBudget !== null && (!Number.isInteger(monthlyBudget) || monthlyBudget < 1)) {
    throw new ScheduleError('budget: a positive whole number of calls a month');
  }
  const tz = await timeZoneOf(store, familyId);
  const problem = cronProblem(cron, tz, now);
  if (problem) throw new ScheduleError(`cron "${cron}": ${problem}`);
  let check: BudgetCheck | null = null;
  if (enabled) {
    check = (await checkBudget(store, familyId, cron, monthlyBudget, settings, now)).check;
    if (!check.ok) throw new ScheduleError(check.message);
  }
  await store.saveSchedule(familyId, { enabled, cron, monthlyBudget }, now.toISOString());
  return { schedule: await getSchedule(store, familyId, settings), check };
}

/**
 * A new family syncs daily at the default hour unless someone turns it off (like Sophtron's own
 * apps), saved as a real schedule so every page and command says the same. A family that cannot
 * fit the budget stays off, and the reason is returned.
 */
export async function startDefaultSchedule(
  store: Store,
  familyId: string,
  settings: SchedulerSettings,
  now: Date = new Date(),
): Promise<{ enabled: boolean; reason: string | null }> {
  if (await store.hasSchedule(familyId))
    return { enabled: (await getSchedule(store, familyId, settings)).enabled, reason: null };
  try {
    await setSchedule(store, familyId, { cron: settings.defaultCron, enabled: true }, settings, now);
    return { enabled: true, reason: null };
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    await setSchedule(store, familyId, { cron: settings.defaultCron, enabled: false }, settings, now);
    return { enabled: false, reason: err.message };
  }
}

export async function setDestination(
  store: Store,
  familyId: string,
  destination: string,
  input: { enabled: boolean; options?: unknown },
  now: Date = new Date(),
): Promise<ScheduleDestination> {
  const raw = input.options ?? (await store.destinationOptions(familyId, destination)) ?? {};
  if (!destinations.get(destination))
    throw new ScheduleError(new UnknownDestinationError(destination, destinations.names()).message);
  const parsed =
    input.enabled || input.options !== undefined
      ? destinations.parseOptions(destination, raw)
      : { ok: true as const, options: raw };
  if (!parsed.ok) throw new ScheduleError(parsed.message);
  await store.saveDestination(
    familyId,
    destination,
    { enabled: input.enabled, options: parsed.options },
    now.toISOString(),
  );
  return (await store.listDestinations(familyId)).find((d) => d.destination === destination)!;
}

/** A destination's settings in a few words (an import configuration is not dumped whole). */
export function destinationSummary(d: Pick<ScheduleDestination, 'destination' | 'options'>): string {
  return destinations.get(d.destination)
    ? destinations.describe(d.destination, d.options)
    : 'not known to this version';
}

export interface FamilyBudget {
  budget: number;
  scope: 'family' | 'instance';
  used: number;
  /** This family's part of what is left this month. */
  remaining: number;
}

/**
 * What this family may still spend this month: its part of what is left of the instance budget
 * (split by the families' projected use, so one family's pacing leaves room for the others), and
 * with its own budget, no more than what is left of that.
 */
export async function familyBudget(
  store: Store,
  schedule: Pick<Schedule, 'familyId' | 'cron' | 'monthlyBudget'>,
  timeZone: string,
  settings: SchedulerSettings,
  now: Date,
): Promise<FamilyBudget> {
  const left = await monthLeft(store, schedule.familyId, schedule.monthlyBudget, settings, now);
  const projected = (
    await project(store, schedule.familyId, schedule.cron, timeZone, settings.callsPerAccount, now)
  ).projectedCalls;
  const mine = Math.min(projected, schedule.monthlyBudget ?? Infinity);
  const others = await othersProjected(store, schedule.familyId, settings, now);
  const share = mine + others > 0 ? mine / (mine + others) : 1;
  const instanceRemaining = Math.floor(left.instance.remaining * share);
  if (left.family) {
    return { ...left.family, remaining: Math.min(left.family.remaining, instanceRemaining) };
  }
  return { ...left.instance, remaining: instanceRemaining };
}

/**
 * What is left of this month's budgets, whole (no share of the other families' schedules): the
 * instance's, and the family's own when it has one. A person's request is checked against these
 * (a scheduled run against its share, `familyBudget`).
 */
export async function monthLeft(
  store: Store,
  familyId: string,
  monthlyBudget: number | null,
  settings: Pick<SchedulerSettings, 'instanceBudget'>,
  now: Date,
): Promise<{ instance: FamilyBudget; family: FamilyBudget | null }> {
  const used = await usedThisMonth(store, now);
  const instance: FamilyBudget = {
    budget: settings.instanceBudget,
    scope: 'instance',
    used,
    remaining: settings.instanceBudget - used,
  };
  if (monthlyBudget === null) return { instance, family: null };
  const familyUsed = await usedThisMonth(store, now, familyId);
  return {
    instance,
    family: {
      budget: monthlyBudget,
      scope: 'family',
      used: familyUsed,
      remaining: monthlyBudget - familyUsed,
    },
  };
}

export interface ScheduleStatus {
  schedule: Schedule;
  timeZone: string;
  projection: Projection;
  check: BudgetCheck;
  month: string;
  budget: FamilyBudget;
  familyUsed: number;
  pace: Pace;
  nextSlot: string | null;
  destinations: ScheduleDestination[];
  backoff: {
    connectionId: string;
    /** The bank's name ('*' rows: the whole sync). */
    label: string;
    failures: number;
    nextAttemptAt: string;
    lastError: string | null;
  }[];
}

export async function scheduleStatus(
  store: Store,
  familyId: string,
  settings: SchedulerSettings,
  now: Date = new Date(),
): Promise<ScheduleStatus> {
  const schedule = await getSchedule(store, familyId, settings);
  const timeZone = await timeZoneOf(store, familyId);
  const { projection, check } = await checkBudget(
    store,
    familyId,
    schedule.cron,
    schedule.monthlyBudget,
    settings,
    now,
  );
  const budget = await familyBudget(store, schedule, timeZone, settings, now);
  const anchor = new Date(schedule.lastRunAt ?? (schedule.updatedAt || now.toISOString()));
  const backoff = await store.backoffWithInstitutions(familyId);
  return {
    schedule,
    timeZone,
    projection,
    check,
    month: monthOf(now),
    budget,
    familyUsed: await usedThisMonth(store, now, familyId),
    pace: pace({
      cron: schedule.cron,
      timeZone,
      now,
      remaining: budget.remaining,
      callsPerSync: projection.callsPerSync,
    }),
    nextSlot: schedule.enabled ? (nextSlot(schedule.cron, timeZone, anchor)?.toISOString() ?? null) : null,
    destinations: await store.listDestinations(familyId),
    backoff: backoff.map((b) => ({
      connectionId: b.connection_id,
      label:
        b.connection_id === '*' ? 'the whole sync' : (b.institution_name ?? `connection ${b.connection_id}`),
      failures: b.failures,
      nextAttemptAt: b.next_attempt_at,
      lastError: b.last_error,
    })),
  };
}

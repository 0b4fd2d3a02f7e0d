/**
 * `schedule show | set --cron "…" [--budget N] | on | off | destination <name> on|off`:
 * the family's automatic syncs. `set` refuses a schedule whose projected Sophtron use does not fit
 * the monthly budget, with the numbers.
 */
import type { Command } from 'commander';
import { destinations } from '../app/destinations.js';
import { UnknownDestinationError } from '../destinations/destination.js';
import { intervalText } from '../scheduler/budget.js';
import { schedulerSettings } from '../scheduler/settings.js';
import {
  destinationSummary,
  scheduleStatus,
  ScheduleError,
  setDestination,
  setSchedule,
  type ScheduleStatus,
} from '../scheduler/schedules.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';
import { printJson } from './output.js';

const n = (v: number) => v.toLocaleString('en-US');

export function describeStatus(s: ScheduleStatus): string[] {
  const lines = [
    `schedule: ${s.schedule.enabled ? 'on' : 'off'}  cron "${s.schedule.cron}" (${s.timeZone})${s.schedule.isDefault ? ' — the default, not set yet' : ''}`,
  ];
  if (s.nextSlot) lines.push(`next slot: ${s.nextSlot}`);
  if (s.schedule.lastRunAt)
    lines.push(
      `last run: ${s.schedule.lastRunAt} — ${s.schedule.lastOutcome ?? ''} ${s.schedule.lastMessage ?? ''}`.trimEnd(),
    );
  lines.push(
    `projected use: ${n(s.projection.projectedCalls)} calls a month (${n(s.projection.callsPerSync)} per sync from ${s.projection.basis} × ${n(s.projection.runsPerMonth)} runs)`,
    `budget: ${n(s.budget.budget)} calls a month (${s.budget.scope === 'family' ? "this family's own" : 'shared by the instance'}); used in ${s.month}: ${n(s.budget.used)}${s.budget.scope === 'instance' ? ` (this family ${n(s.familyUsed)})` : ''}`,
  );
  if (!s.check.ok) lines.push(`warning: ${s.check.message}`);
  if (s.pace.kind === 'spaced')
    lines.push(
      `pace: slowed to about one run every ${intervalText(s.pace.minIntervalMs)} so the month fits (${n(s.pace.remaining)} calls left)`,
    );
  if (s.pace.kind === 'exhausted')
    lines.push(`pace: budget used up; syncs resume ${s.pace.until.toISOString()}`);
  for (const d of s.destinations) {
    lines.push(
      `destination ${d.destination}: ${d.enabled ? 'on' : 'off'}, ${destinationSummary(d)}${d.lastDeliveryAt ? ` — last ${d.lastDeliveryAt} ${d.lastOutcome}: ${d.lastMessage}` : ''}`,
    );
  }
  for (const b of s.backoff) {
    lines.push(
      `retry: ${b.label} after ${b.failures} failure(s), next at ${b.nextAttemptAt}: ${b.lastError ?? ''}`,
    );
  }
  return lines;
}

const toCli = (err: unknown) => (err instanceof ScheduleError ? new CliError(err.message) : err);

export function register(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Automatic syncs of the family: when, within which budget, and where they deliver.');

  const show = async (opts: { json?: boolean }) =>
    withCliContext({}, async ({ store, config, family }) => {
      const status = await scheduleStatus(store, family.id, schedulerSettings(config));
      if (opts.json) printJson(status);
      else process.stdout.write(`${describeStatus(status).join('\n')}\n`);
    });

  schedule
    .command('show', { isDefault: true })
    .description('The schedule, projected Sophtron use, budget and destinations.')
    .option('--json', 'print JSON')
    .action(show);

  schedule
    .command('set')
    .description('Set the schedule (cron in the family time zone) and turn it on.')
    .option(
      '--cron <expression>',
      'cron expression, e.g. "17 5 * * *" (daily at 05:17); default: keep the current one',
    )
    .option(
      '--budget <calls>',
      "this family's own monthly Sophtron budget (default: share SOPHTRON_MONTHLY_BUDGET)",
    )
    .option('--shared-budget', 'drop the family budget and share the instance budget')
    .option('--json', 'print JSON')
    .action(async (opts: { cron?: string; budget?: string; sharedBudget?: boolean; json?: boolean }) =>
      withCliContext({}, async ({ store, config, family }) => {
        let monthlyBudget: number | null | undefined;
        if (opts.sharedBudget) monthlyBudget = null;
        else if (opts.budget !== undefined) {
          monthlyBudget = Number(opts.budget);
          if (!Number.isInteger(monthlyBudget) || monthlyBudget < 1)
            throw new CliError('--budget: a positive whole number of calls');
        }
        try {
          const { schedule, check } = await setSchedule(
            store,
            family.id,
            { ...(opts.cron !== undefined ? { cron: opts.cron } : {}), enabled: true, monthlyBudget },
            schedulerSettings(config),
          );
          if (opts.json) printJson({ ok: true, message: check?.message ?? null });
          else process.stdout.write(`schedule on: "${schedule.cron}"\n${check?.message ?? ''}\n`);
        } catch (err) {
          throw toCli(err);
        }
      }),
    );

  for (const [name, enabled] of [
    ['on', true],
    ['off', false],
  ] as const) {
    schedule
      .command(name)
      .description(
        enabled ? 'Turn automatic syncs on (with the current or default cron).' : 'Turn automatic syncs off.',
      )
      .action(async () =>
        withCliContext({}, async ({ store, config, family }) => {
          try {
            const { check } = await setSchedule(store, family.id, { enabled }, schedulerSettings(config));
            process.stdout.write(`schedule ${name}\n${check?.message ? `${check.message}\n` : ''}`);
          } catch (err) {
            throw toCli(err);
          }
        }),
      );
  }

  // Each destination of the registry brings its own flags (files: --folder, firefly: --config, …).
  const destination = schedule
    .command('destination')
    .description(
      `Whether delivery follows each scheduled sync: ${destinations
        .list()
        .map((d) => `${d.name} (${d.label})`)
        .join(', ')}.`,
    )
    .argument('<destination>', destinations.names().join(' or '))
    .argument('<state>', 'on or off');
  for (const d of destinations.list())
    for (const f of d.cli?.flags ?? []) destination.option(f.flags, f.description, f.defaultValue);
  destination.action(async (name: string, state: string, flags: Record<string, unknown>) =>
    withCliContext({}, async ({ store, family }) => {
      const d = destinations.get(name);
      if (!d) throw new CliError(new UnknownDestinationError(name, destinations.names()).message);
      if (state !== 'on' && state !== 'off') throw new CliError(`state: on or off, not "${state}"`);
      let options: unknown;
      try {
        options = d.cli?.options(flags);
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
      try {
        const saved = await setDestination(store, family.id, name, {
          enabled: state === 'on',
          options,
        });
        process.stdout.write(
          `destination ${saved.destination}: ${saved.enabled ? 'on' : 'off'}, ${destinationSummary(saved)}\n`,
        );
      } catch (err) {
        throw toCli(err);
      }
    }),
  );
}

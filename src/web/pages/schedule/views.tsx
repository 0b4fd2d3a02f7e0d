/** The Schedule page's view: the automatic syncs, the deliveries after them, notifications, exports. */
import { intervalText } from '../../../scheduler/budget.js';
import type { ScheduleStatus } from '../../../scheduler/schedules.js';
import { describeWhen, relativeWhen, whenOf } from '../../../scheduler/when.js';
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import { destinationForm } from '../destination-forms.js';
import type { KnownDestination, ScheduleData } from './loaders.js';
import { NotificationsCard } from './notifications.js';

const n = (v: number) => v.toLocaleString('en-US');

export interface SchedulePageProps extends ScheduleData {
  admin: boolean;
  csrf: string;
  dataDir: string;
  familyId: string;
  now: Date;
}

export function SchedulePage(p: SchedulePageProps) {
  const { status, admin, csrf } = p;
  return (
    <>
      <section class="card" aria-labelledby="sched-h">
        <h2 id="sched-h">Automatic syncs</h2>
        <StatusCard s={status} now={p.now} />
        {admin && <ScheduleForm status={status} csrf={csrf} />}
      </section>
      <DeliveriesCard {...p} />
      <NotificationsCard
        channels={p.channels}
        incidents={p.incidents}
        timeZone={status.timeZone}
        admin={admin}
        csrf={csrf}
      />
      <ExportCard accounts={p.accounts} />
    </>
  );
}

/** When the next scheduled sync starts, in words; a slot already passed runs at the next check. */
function nextSyncText(s: ScheduleStatus, now: Date): string | null {
  if (!s.schedule.enabled || !s.nextSlot) return null;
  const slot = new Date(s.nextSlot);
  if (slot.getTime() <= now.getTime()) return 'within a minute (a slot was missed while nothing ran)';
  return relativeWhen(slot, now, s.timeZone);
}

function StatusCard({ s, now }: { s: ScheduleStatus; now: Date }) {
  const at = (iso: string) => formatTimestamp(iso, s.timeZone);
  const next = nextSyncText(s, now);
  return (
    <dl id="schedule-status">
      <dt>Automatic syncs</dt>
      <dd id="schedule-state">
        {s.schedule.enabled
          ? `on — ${describeWhen(s.schedule.cron)} (${s.timeZone})`
          : 'off: nothing syncs by itself; “Sync now” on the dashboard syncs by hand'}
      </dd>
      {next && (
        <>
          <dt>Next sync</dt>
          <dd id="next-sync">{next}</dd>
        </>
      )}
      {s.schedule.lastRunAt && (
        <>
          <dt>Last scheduled run</dt>
          <dd>
            {at(s.schedule.lastRunAt)}: {s.schedule.lastOutcome} {s.schedule.lastMessage}
          </dd>
        </>
      )}
      <UseAndBudget s={s} />
      {!s.check.ok && (
        <>
          <dt>Warning</dt>
          <dd>{s.check.message}</dd>
        </>
      )}
      {s.backoff.map((b) => (
        <>
          <dt>Retrying</dt>
          <dd>
            {b.label} after {b.failures} failure(s), next at {at(b.nextAttemptAt)}
          </dd>
        </>
      ))}
    </dl>
  );
}

/** The projected Sophtron use, the budget it counts against, and the pace the budget sets. */
function UseAndBudget({ s }: { s: ScheduleStatus }) {
  return (
    <>
      <dt>Projected Sophtron use</dt>
      <dd id="schedule-projection">
        about {n(s.projection.projectedCalls)} calls a month ({n(s.projection.callsPerSync)} calls per sync,
        from {s.projection.basis}, × {n(s.projection.runsPerMonth)} runs)
      </dd>
      <dt>Budget</dt>
      <dd id="schedule-budget">
        {n(s.budget.budget)} calls a month (
        {s.budget.scope === 'family' ? "this family's own" : 'shared by every family'}
        ); used in {s.month}: {n(s.budget.used)}
        {s.budget.scope === 'instance' ? ` (this family: ${n(s.familyUsed)})` : ''}
      </dd>
      {s.pace.kind === 'spaced' && (
        <>
          <dt>Pace</dt>
          <dd>
            slowed to about one run every {intervalText(s.pace.minIntervalMs)} so the rest of the month fits (
            {n(s.pace.remaining)} calls left)
          </dd>
        </>
      )}
      {s.pace.kind === 'exhausted' && (
        <>
          <dt>Pace</dt>
          <dd>
            this month's budget is used up; syncs resume{' '}
            {formatTimestamp(s.pace.until.toISOString(), s.timeZone)}
          </dd>
        </>
      )}
    </>
  );
}

function ScheduleForm({ status, csrf }: { status: ScheduleStatus; csrf: string }) {
  const when = whenOf(status.schedule.cron);
  return (
    <form method="post" action="/schedule">
      <CsrfField token={csrf} />
      <label class="check">
        <input type="checkbox" name="enabled" checked={status.schedule.enabled} /> Sync automatically
      </label>
      <fieldset class="when">
        <legend>When, in the family's time zone ({status.timeZone})</legend>
        <label class="check">
          <input type="radio" name="mode" value="daily" checked={when.mode === 'daily'} /> Daily at{' '}
          <input
            name="time"
            type="time"
            aria-label="Daily at"
            value={when.mode === 'daily' ? when.time : '06:00'}
          />
        </label>
        <label class="check">
          <input type="radio" name="mode" value="hours" checked={when.mode === 'hours'} /> Every{' '}
          <input
            name="every"
            type="number"
            min="1"
            max="23"
            class="short"
            aria-label="Every how many hours"
            value={String(when.mode === 'hours' ? when.every : 6)}
          />{' '}
          hours
        </label>
        <label class="check">
          <input type="radio" name="mode" value="cron" checked={when.mode === 'cron'} /> A cron expression
          (advanced){' '}
          <input
            name="cron"
            aria-label="Cron expression"
            value={status.schedule.cron}
            placeholder="17 5 * * *"
          />
        </label>
        <p class="hint">
          Cron examples: <code>17 5 * * *</code> every day at 05:17; <code>0 6,18 * * *</code> twice a day;{' '}
          <code>0 7 * * 1</code> Mondays at 07:00.
        </p>
      </fieldset>
      <label>
        This family's own monthly budget (calls; empty = share the instance budget){' '}
        <input name="budget" inputmode="numeric" value={status.schedule.monthlyBudget?.toString() ?? ''} />
      </label>
      <button type="submit">Save the schedule</button>
    </form>
  );
}

function DeliveriesCard(p: SchedulePageProps) {
  const timeZone = p.status.timeZone;
  return (
    <section class="card" aria-labelledby="dest-h">
      <h2 id="dest-h">After each scheduled sync, deliver to</h2>
      {p.known
        .map((k) => k.settings)
        .filter((d) => d?.lastDeliveryAt)
        .map((d) => (
          <p>
            Last delivery to {d!.destination}: {formatTimestamp(d!.lastDeliveryAt, timeZone)} —{' '}
            {d!.lastOutcome}: {d!.lastMessage}
          </p>
        ))}
      <form method="post" action="/schedule/destinations" enctype="multipart/form-data">
        <CsrfField token={p.csrf} />
        <fieldset disabled={!p.admin}>
          {p.known.map((k: KnownDestination) => {
            const { Fields } = destinationForm(k.destination.name);
            return (
              <Fields
                destination={k.destination}
                saved={k.settings}
                dataDir={p.dataDir}
                familyId={p.familyId}
              />
            );
          })}
          {p.admin && <button type="submit">Save the deliveries</button>}
        </fieldset>
      </form>
    </section>
  );
}

function ExportCard({ accounts }: { accounts: ScheduleData['accounts'] }) {
  return (
    <section class="card" aria-labelledby="export-h">
      <h2 id="export-h">Export</h2>
      <form method="get" action="/exports/download">
        <label>
          Format{' '}
          <select name="format">
            <option value="csv">CSV</option>
            <option value="ofx">OFX (Firefly III, GnuCash…)</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <label>
          Account{' '}
          <select name="account">
            <option value="">All accounts</option>
            {accounts.map((a) => (
              <option value={a.id}>{a.name}</option>
            ))}
          </select>
        </label>
        <label>
          From <input name="from" type="date" />
        </label>
        <label>
          To <input name="to" type="date" />
        </label>
        <button type="submit">Download</button>
      </form>
    </section>
  );
}

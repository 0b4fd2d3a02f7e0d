/**
 * The Schedule page (owned by the scheduler): automatic syncs (cron, budget, projected Sophtron
 * use), the deliveries that follow them, notification channels (with a "send test" button), and
 * file exports (download). Changes are for family administrators; everyone may read and download.
 * The deliveries list every destination of the registry (src/app/destinations.ts); the fields of
 * each are in destination-forms.tsx.
 */
import { z } from 'zod';
import {
  CONTENT_TYPES,
  EXPORT_FORMATS,
  ExportFilterError,
  exportLedger,
  type ExportFormat,
} from '../../destinations/files/index.js';
import { channelsRepository, ChannelError } from '../../scheduler/notifications/channels.js';
import { createNotifier, type ChannelResult } from '../../scheduler/notifications/notifier.js';
import { openIncidents } from '../../scheduler/notifications/incidents.js';
import {
  scheduleStatus,
  ScheduleError,
  setDestination,
  setSchedule,
  type ScheduleStatus,
} from '../../scheduler/schedules.js';
import { intervalText } from '../../scheduler/budget.js';
import { cronOf, describeWhen, relativeWhen, whenOf } from '../../scheduler/when.js';
import { schedulerSettings } from '../../scheduler/settings.js';
import { destinations } from '../../app/destinations.js';
import { destinationForm } from './destination-forms.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { formData, parseForm } from '../forms.js';
import { TestButton } from '../components/test-button.js';
import { CsrfField } from '../layout.js';
import { formatTimestamp } from '../time.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';

const n = (v: number) => v.toLocaleString('en-US');

const checkbox = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => v !== undefined);

const scheduleForm = z.object({
  /** daily at a time, every N hours, or cron (advanced); a form without it sends cron (older pages). */
  mode: z.enum(['daily', 'hours', 'cron']).optional(),
  time: z.string().trim().max(5).optional().default(''),
  every: z.string().trim().max(3).optional().default(''),
  cron: z.string().trim().max(100).optional().default(''),
  enabled: checkbox,
  budget: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^\d+$/.test(v), 'must be a whole number of calls')
    .transform((v) => (v ? Number(v) : null))
    .refine((v) => v === null || v >= 1, 'must be at least 1'),
});

const channelForm = z.object({
  kind: z.enum(['webhook', 'ntfy', 'email']),
  name: z.string().trim().min(1, 'is required').max(100),
  url: z.string().trim().optional(),
  header: z.string().trim().optional(),
  token: z.string().trim().optional(),
  host: z.string().trim().optional(),
  port: z.string().trim().optional(),
  security: z.string().trim().optional(),
  user: z.string().trim().optional(),
  password: z.string().optional(),
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
  on_success: checkbox,
});

const blank = (v: string | undefined) => (v ? v : undefined);

function channelConfig(f: z.output<typeof channelForm>): unknown {
  if (f.kind === 'webhook') {
    const headers: Record<string, string> = {};
    if (f.header) {
      const i = f.header.indexOf(':');
      if (i < 1) throw new ChannelError('Header: write it as "Name: value"');
      headers[f.header.slice(0, i).trim()] = f.header.slice(i + 1).trim();
    }
    return { kind: 'webhook', url: f.url, headers };
  }
  if (f.kind === 'ntfy') return { kind: 'ntfy', url: f.url, token: blank(f.token) };
  return {
    kind: 'email',
    host: f.host,
    port: blank(f.port),
    security: blank(f.security),
    user: blank(f.user),
    password: blank(f.password),
    from: f.from,
    to: (f.to ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
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
          <dd>this month's budget is used up; syncs resume {at(s.pace.until.toISOString())}</dd>
        </>
      )}
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

function TestResults({ results }: { results: ChannelResult[] }) {
  if (results.length === 0) return <p class="flash error">No channel to test.</p>;
  return (
    <ul class="test-results">
      {results.map((r) => (
        <li class={r.ok ? 'ok' : 'error'}>
          {r.name}: {r.ok ? 'sent' : `failed — ${r.error}`}
        </li>
      ))}
    </ul>
  );
}

async function schedulePage(c: Ctx) {
  const user = currentUser(c);
  const { db, store, config } = c.var.deps;
  const settings = schedulerSettings(config);
  const status = await scheduleStatus(db, user.familyId, settings);
  const channels = await channelsRepository(db, store.secrets).listChannels(user.familyId);
  const incidents = await openIncidents(db, user.familyId);
  const accounts = await db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('family_id', '=', user.familyId)
    .orderBy('name')
    .execute();
  // Every destination of the registry, with the family's settings for it.
  const known = destinations.list().map((destination) => ({
    destination,
    settings: status.destinations.find((d) => d.destination === destination.name) ?? null,
  }));
  const admin = user.role === 'admin';
  const csrf = c.var.csrf;
  const when = whenOf(status.schedule.cron);
  return page(
    c,
    'Schedule',
    <>
      <section class="card" aria-labelledby="sched-h">
        <h2 id="sched-h">Automatic syncs</h2>
        <StatusCard s={status} now={new Date()} />
        {admin && (
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
                <input type="radio" name="mode" value="cron" checked={when.mode === 'cron'} /> A cron
                expression (advanced){' '}
                <input
                  name="cron"
                  aria-label="Cron expression"
                  value={status.schedule.cron}
                  placeholder="17 5 * * *"
                />
              </label>
              <p class="hint">
                Cron examples: <code>17 5 * * *</code> every day at 05:17; <code>0 6,18 * * *</code> twice a
                day; <code>0 7 * * 1</code> Mondays at 07:00.
              </p>
            </fieldset>
            <label>
              This family's own monthly budget (calls; empty = share the instance budget){' '}
              <input
                name="budget"
                inputmode="numeric"
                value={status.schedule.monthlyBudget?.toString() ?? ''}
              />
            </label>
            <button type="submit">Save the schedule</button>
          </form>
        )}
      </section>

      <section class="card" aria-labelledby="dest-h">
        <h2 id="dest-h">After each scheduled sync, deliver to</h2>
        {known
          .map((k) => k.settings)
          .filter((d) => d?.lastDeliveryAt)
          .map((d) => (
            <p>
              Last delivery to {d!.destination}: {formatTimestamp(d!.lastDeliveryAt, status.timeZone)} —{' '}
              {d!.lastOutcome}: {d!.lastMessage}
            </p>
          ))}
        <form method="post" action="/schedule/destinations" enctype="multipart/form-data">
          <CsrfField token={csrf} />
          <fieldset disabled={!admin}>
            {known.map(({ destination, settings }) => {
              const { Fields } = destinationForm(destination.name);
              return (
                <Fields
                  destination={destination}
                  saved={settings}
                  dataDir={config.dataDir}
                  familyId={user.familyId}
                />
              );
            })}
            {admin && <button type="submit">Save the deliveries</button>}
          </fieldset>
        </form>
      </section>

      <section class="card" aria-labelledby="notify-h">
        <h2 id="notify-h">Notifications</h2>
        <p>One message when something fails or needs you, one when it works again; never one per retry.</p>
        {incidents.length > 0 && (
          <ul id="incidents">
            {incidents.map((i) => (
              <li>
                {i.kind === 'needs_attention' ? 'Needs attention' : 'Failing'} since{' '}
                {formatTimestamp(i.opened_at, status.timeZone)}: {i.message}
              </li>
            ))}
          </ul>
        )}
        {channels.length === 0 ? (
          <p>No channels yet.</p>
        ) : (
          <table>
            <caption>Channels</caption>
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Target</th>
                <th>On success</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {channels.map((ch) => (
                <tr>
                  <td>{ch.name}</td>
                  <td>{ch.kind}</td>
                  <td>{ch.target}</td>
                  <td>{ch.onSuccess ? 'yes' : 'no'}</td>
                  <td>
                    {admin && (
                      <form method="post" action={`/schedule/notify/${ch.id}/remove`}>
                        <CsrfField token={csrf} />
                        <button type="submit">Remove</button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {admin && channels.length > 0 && (
          <TestButton
            action="/schedule/notify/test"
            resultId="notify-test"
            csrf={csrf}
            label="Send a test message"
          />
        )}
        {admin && (
          <form method="post" action="/schedule/notify">
            <CsrfField token={csrf} />
            <h3>Add a channel</h3>
            <label>
              Kind{' '}
              <select name="kind" data-shows-kind="">
                <option value="ntfy">ntfy (topic URL)</option>
                <option value="webhook">Webhook (JSON POST)</option>
                <option value="email">E-mail (SMTP)</option>
              </select>
            </label>
            <label>
              Name <input name="name" required />
            </label>
            {/* Each group names its kind; with JavaScript only the chosen kind's groups show. */}
            <fieldset data-kind="ntfy webhook">
              <legend>ntfy or webhook</legend>
              <label>
                URL (the ntfy topic or the webhook) <input name="url" type="url" autocomplete="off" />
              </label>
            </fieldset>
            <fieldset data-kind="ntfy">
              <legend>ntfy</legend>
              <label>
                Access token (optional) <input name="token" type="password" autocomplete="off" />
              </label>
            </fieldset>
            <fieldset data-kind="webhook">
              <legend>Webhook</legend>
              <label>
                Header (optional, e.g. <code>Authorization: Bearer …</code>){' '}
                <input name="header" autocomplete="off" />
              </label>
            </fieldset>
            <fieldset data-kind="email">
              <legend>E-mail</legend>
              <label>
                SMTP server <input name="host" />
              </label>
              <label>
                Port <input name="port" inputmode="numeric" placeholder="587" />
              </label>
              <label>
                Security{' '}
                <select name="security">
                  <option value="starttls">STARTTLS</option>
                  <option value="tls">TLS</option>
                  <option value="none">none</option>
                </select>
              </label>
              <label>
                User <input name="user" autocomplete="off" />
              </label>
              <label>
                Password <input name="password" type="password" autocomplete="off" />
              </label>
              <label>
                From <input name="from" type="email" />
              </label>
              <label>
                To (comma-separated) <input name="to" />
              </label>
            </fieldset>
            <label class="check">
              <input type="checkbox" name="on_success" /> Also after every successful sync
            </label>
            <p class="hint">URLs, headers, tokens and passwords are encrypted and never shown again.</p>
            <button type="submit">Add the channel</button>
          </form>
        )}
      </section>

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
    </>,
    { flash: flashFrom(c) },
  );
}

export function registerSchedulePages(app: WebApp): void {
  app.get('/schedule', schedulePage);

  app.post('/schedule', async (c) => {
    const user = currentUser(c);
    const parsed = parseForm(scheduleForm, await formData(c), {
      cron: 'Cron expression',
      budget: "This family's own monthly budget",
    });
    if (!parsed.ok) return c.redirect(withFlash('/schedule', 'error', parsed.error));
    const f = parsed.data;
    let cron: string;
    try {
      cron = cronOf(
        f.mode === 'daily'
          ? { mode: 'daily', time: f.time }
          : f.mode === 'hours'
            ? { mode: 'hours', every: Number(f.every), minute: 0 }
            : { mode: 'cron', cron: f.cron },
      );
    } catch (err) {
      return c.redirect(withFlash('/schedule', 'error', err instanceof Error ? err.message : String(err)));
    }
    try {
      const { check } = await setSchedule(
        c.var.deps.db,
        user.familyId,
        { cron, enabled: f.enabled, monthlyBudget: f.budget },
        schedulerSettings(c.var.deps.config),
      );
      return c.redirect(
        withFlash(
          '/schedule',
          'ok',
          f.enabled
            ? `Syncs ${describeWhen(cron)}. ${check?.message ?? ''}`.trim()
            : 'Automatic syncs are off: nothing syncs by itself.',
        ),
      );
    } catch (err) {
      if (err instanceof ScheduleError) return c.redirect(withFlash('/schedule', 'error', err.message));
      throw err;
    }
  });

  app.post('/schedule/destinations', async (c) => {
    const user = currentUser(c);
    const { db, config } = c.var.deps;
    const posted = {
      fields: await formData(c),
      files: await c.req.parseBody({ all: true }),
      dataDir: config.dataDir,
      familyId: user.familyId,
    };
    // Every destination's choice is checked before any is saved.
    const changes: { name: string; enabled: boolean; options?: unknown }[] = [];
    for (const d of destinations.list()) {
      const r = await destinationForm(d.name).options(posted);
      if ('error' in r) return c.redirect(withFlash('/schedule', 'error', r.error));
      changes.push({ name: d.name, enabled: posted.fields[d.name] !== undefined, ...r });
    }
    try {
      for (const { name, enabled, options } of changes)
        await setDestination(db, user.familyId, name, {
          enabled,
          ...(options !== undefined ? { options } : {}),
        });
    } catch (err) {
      if (err instanceof ScheduleError) return c.redirect(withFlash('/schedule', 'error', err.message));
      throw err;
    }
    return c.redirect(withFlash('/schedule', 'ok', 'Deliveries saved.'));
  });

  app.post('/schedule/notify', async (c) => {
    const user = currentUser(c);
    const parsed = parseForm(channelForm, await formData(c), { kind: 'Kind', name: 'Name' });
    if (!parsed.ok) return c.redirect(withFlash('/schedule', 'error', parsed.error));
    try {
      const ch = await channelsRepository(c.var.deps.db, c.var.deps.store.secrets, {
        allowLinkLocal: c.var.deps.config.notifyAllowLinkLocal,
      }).addChannel(user.familyId, {
        name: parsed.data.name,
        onSuccess: parsed.data.on_success,
        config: channelConfig(parsed.data),
      });
      return c.redirect(withFlash('/schedule', 'ok', `Channel "${ch.name}" added.`));
    } catch (err) {
      if (err instanceof ChannelError) return c.redirect(withFlash('/schedule', 'error', err.message));
      throw err;
    }
  });

  app.post('/schedule/notify/test', async (c) => {
    const user = currentUser(c);
    const { db, store, logger, config } = c.var.deps;
    const results = await createNotifier({
      db,
      secrets: store.secrets,
      log: logger,
      allowLinkLocal: config.notifyAllowLinkLocal,
    }).test(user.familyId);
    if (c.req.header('hx-request')) return c.html(<TestResults results={results} />);
    const failed = results.filter((r) => !r.ok);
    return c.redirect(
      withFlash(
        '/schedule',
        failed.length ? 'error' : 'ok',
        failed.length
          ? `Test failed for ${failed.map((r) => `${r.name} (${r.error})`).join(', ')}`
          : `Test sent to ${results.length} channel(s).`,
      ),
    );
  });

  app.post('/schedule/notify/:id/remove', async (c) => {
    const user = currentUser(c);
    const ok = await channelsRepository(c.var.deps.db, c.var.deps.store.secrets).removeChannel(
      user.familyId,
      c.req.param('id'),
    );
    return c.redirect(
      withFlash('/schedule', ok ? 'ok' : 'error', ok ? 'Channel removed.' : 'No such channel.'),
    );
  });

  /** Download an export: ?format=csv|ofx|json&account=&from=&to= (account may repeat). */
  app.get('/exports/download', async (c) => {
    const user = currentUser(c);
    const format = c.req.query('format') ?? 'csv';
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      return messagePage(c, 'Export', `Format: one of ${EXPORT_FORMATS.join(', ')}.`, 400);
    }
    const accountIds = (c.req.queries('account') ?? []).filter(Boolean);
    const from = c.req.query('from') || undefined;
    const to = c.req.query('to') || undefined;
    try {
      const result = await exportLedger(c.var.deps.db, user.familyId, format as ExportFormat, {
        accountIds,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      });
      const name = `sophtron-sync-${new Date().toISOString().slice(0, 10)}.${format}`;
      c.header('content-type', CONTENT_TYPES[format as ExportFormat]);
      c.header('content-disposition', `attachment; filename="${name}"`);
      c.header('cache-control', 'no-store');
      return c.body(result.content);
    } catch (err) {
      if (err instanceof ExportFilterError) return messagePage(c, 'Export', err.message, 400);
      throw err;
    }
  });
}

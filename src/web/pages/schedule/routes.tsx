/**
 * The Schedule page (owned by the scheduler): automatic syncs (cron, budget, projected Sophtron
 * use), the deliveries that follow them, notification channels (with a "send test" button), and
 * file exports (download). Changes are for family administrators; everyone may read and download.
 * The deliveries list every destination of the registry (src/app/destinations.ts); the fields of
 * each are in destination-forms.tsx. Its data is read by schedule/loaders.ts and shown by
 * schedule/views.tsx; the routes here parse, call, and redirect.
 */
import {
  CONTENT_TYPES,
  EXPORT_FORMATS,
  ExportFilterError,
  exportLedger,
  type ExportFormat,
} from '../../../destinations/files/index.js';
import { channelsRepository, ChannelError } from '../../../scheduler/notifications/channels.js';
import { createNotifier } from '../../../scheduler/notifications/notifier.js';
import { ScheduleError, setDestination, setSchedule } from '../../../scheduler/schedules.js';
import { describeWhen } from '../../../scheduler/when.js';
import { schedulerSettings } from '../../../scheduler/settings.js';
import { destinations } from '../../../app/destinations.js';
import { destinationForm } from '../destination-forms.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData, parseForm } from '../../forms.js';
import { flashFrom, messagePage, page, withFlash } from '../../render.js';
import { channelConfig, channelForm, cronOfForm, scheduleForm } from './forms.js';
import { loadSchedule } from './loaders.js';
import { TestResults } from './notifications.js';
import { SchedulePage } from './views.js';

export function registerSchedulePages(app: WebApp): void {
  app.get('/schedule', showSchedule);
  app.post('/schedule', saveSchedule);
  app.post('/schedule/destinations', saveDestinations);
  app.post('/schedule/notify', addChannel);
  app.post('/schedule/notify/test', testChannels);
  app.post('/schedule/notify/:id/remove', removeChannel);
  /** Download an export: ?format=csv|ofx|json&account=&from=&to= (account may repeat). */
  app.get('/exports/download', downloadExport);
}

async function showSchedule(c: Ctx) {
  const user = currentUser(c);
  const data = await loadSchedule(c.var.deps, user.familyId);
  const view = (
    <SchedulePage
      {...data}
      admin={user.role === 'admin'}
      csrf={c.var.csrf}
      dataDir={c.var.deps.config.dataDir}
      familyId={user.familyId}
      now={new Date()}
    />
  );
  return page(c, 'Schedule', view, { flash: flashFrom(c) });
}

async function saveSchedule(c: Ctx) {
  const user = currentUser(c);
  const parsed = parseForm(scheduleForm, await formData(c), {
    cron: 'Cron expression',
    budget: "This family's own monthly budget",
  });
  if (!parsed.ok) return c.redirect(withFlash('/schedule', 'error', parsed.error));
  const f = parsed.data;
  let cron: string;
  try {
    cron = cronOfForm(f);
  } catch (err) {
    return c.redirect(withFlash('/schedule', 'error', err instanceof Error ? err.message : String(err)));
  }
  try {
    const { check } = await setSchedule(
      c.var.deps.store,
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
}

async function saveDestinations(c: Ctx) {
  const user = currentUser(c);
  const { store, config } = c.var.deps;
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
      await setDestination(store, user.familyId, name, {
        enabled,
        ...(options !== undefined ? { options } : {}),
      });
  } catch (err) {
    if (err instanceof ScheduleError) return c.redirect(withFlash('/schedule', 'error', err.message));
    throw err;
  }
  return c.redirect(withFlash('/schedule', 'ok', 'Deliveries saved.'));
}

async function addChannel(c: Ctx) {
  const user = currentUser(c);
  const parsed = parseForm(channelForm, await formData(c), { kind: 'Kind', name: 'Name' });
  if (!parsed.ok) return c.redirect(withFlash('/schedule', 'error', parsed.error));
  try {
    const ch = await channelsRepository(c.var.deps.store, {
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
}

async function testChannels(c: Ctx) {
  const user = currentUser(c);
  const { store, logger, config } = c.var.deps;
  const results = await createNotifier({
    store,
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
}

async function removeChannel(c: Ctx) {
  const user = currentUser(c);
  const ok = await channelsRepository(c.var.deps.store).removeChannel(user.familyId, c.req.param('id')!);
  return c.redirect(
    withFlash('/schedule', ok ? 'ok' : 'error', ok ? 'Channel removed.' : 'No such channel.'),
  );
}

async function downloadExport(c: Ctx) {
  const user = currentUser(c);
  const format = c.req.query('format') ?? 'csv';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    return messagePage(c, 'Export', `Format: one of ${EXPORT_FORMATS.join(', ')}.`, 400);
  }
  const accountIds = (c.req.queries('account') ?? []).filter(Boolean);
  const from = c.req.query('from') || undefined;
  const to = c.req.query('to') || undefined;
  try {
    const result = await exportLedger(c.var.deps.store, user.familyId, format as ExportFormat, {
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
}

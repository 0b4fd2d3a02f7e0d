/**
 * Import to Firefly III, the data importer's flow: upload a configuration or start fresh →
 * accounts and their Firefly targets → date range → options → sync (live) → map other-party
 * names → deliver (live) → result with counts, warnings and the balance check → download.
 * Each route finds the session's draft, gathers (loaders.ts) or reads (forms.ts), then renders a
 * step (views/) or moves the draft on.
 */
import { calendarDateIn } from '../../../dates.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData } from '../../forms.js';
import { configToDownload, prepareImport } from '../../import/engine.js';
import { ImportDrafts, type ImportDraft } from '../../import/drafts.js';
import { withFlash } from '../../render.js';
import type { LiveTasks } from '../../tasks.js';
import { familyTimeZone } from '../../users.js';
import { accountChoices, parseDates, parseMapping, parseOptions, uploadedConfig } from './forms.js';
import { loadAccountsStep, loadDeliverStep, loadMapStep, taskOf } from './loaders.js';
import { startImportDelivery, startImportSync } from './runs.js';
import { afterSync, base, notFound } from './shared.js';
import { accountsPage } from './views/accounts.js';
import { datesPage } from './views/dates.js';
import { deliverPage } from './views/deliver.js';
import { mapPage } from './views/map.js';
import { optionsPage } from './views/options.js';
import { resultPage } from './views/result.js';
import { startPage } from './views/start.js';
import { syncPage } from './views/sync.js';

/** What the routes share: the live tasks (sync, delivery) and the drafts kept between steps. */
interface Wizard {
  tasks: LiveTasks;
  drafts: ImportDrafts;
}
/** A route of one open draft (the session's own). */
type Step = (w: Wizard, c: Ctx, d: ImportDraft) => Response | Promise<Response>;

export function registerImportPages(app: WebApp, tasks: LiveTasks, drafts = new ImportDrafts()): void {
  const w: Wizard = { tasks, drafts };
  const step = (handle: Step) => async (c: Ctx) => {
    const d = await draftOf(w, c);
    return d ? handle(w, c, d) : notFound(c);
  };
  app.get('/import', (c) => startPage(c));
  app.post('/import/start', (c) => start(w, c));
  app.get(
    '/import/:id/accounts',
    step(async (_w, c, d) => accountsPage(c, d, await loadAccountsStep(c, d))),
  );
  app.post('/import/:id/accounts', step(chooseAccounts));
  app.get(
    '/import/:id/dates',
    step((_w, c, d) => datesPage(c, d)),
  );
  app.post('/import/:id/dates', step(chooseDates));
  app.get(
    '/import/:id/options',
    step((_w, c, d) => optionsPage(c, d)),
  );
  app.post('/import/:id/options', step(chooseOptions));
  app.get(
    '/import/:id/sync',
    step(async (w, c, d) => syncPage(c, d, await taskOf(c, w.tasks, d))),
  );
  app.post('/import/:id/sync', step(sync));
  app.get(
    '/import/:id/map',
    step(async (_w, c, d) => mapPage(c, d, await loadMapStep(c, d))),
  );
  app.post('/import/:id/map', step(chooseMapping));
  app.get(
    '/import/:id/deliver',
    step(async (w, c, d) => deliverPage(c, d, await loadDeliverStep(c, w.tasks, d))),
  );
  app.post('/import/:id/deliver', step(deliver));
  app.get('/import/:id/result', step(result));
  app.get('/import/:id/config.json', step(downloadConfig));
}

const draftOf = async (w: Wizard, c: Ctx): Promise<ImportDraft | undefined> =>
  c.var.session
    ? w.drafts.get(
        c.var.deps.store,
        { session: c.var.session.idHash, familyId: c.var.session.user.familyId },
        c.req.param('id') ?? '',
      )
    : undefined;

const save = (w: Wizard, c: Ctx, d: ImportDraft) => w.drafts.save(c.var.deps.store, d);

async function start(w: Wizard, c: Ctx) {
  const user = currentUser(c);
  const upload = await uploadedConfig(c);
  if ('error' in upload) return c.redirect(withFlash('/import', 'error', upload.error));
  const owner = { session: c.var.session!.idHash, familyId: user.familyId };
  const d = await w.drafts.create(c.var.deps.store, owner, upload.config);
  return c.redirect(`${base(d)}/accounts`);
}

const chooseAccounts: Step = async (w, c, d) => {
  const choices = await accountChoices(c.var.deps.store, d.familyId, await formData(c));
  if (choices === 'none')
    return c.redirect(withFlash(`${base(d)}/accounts`, 'error', 'Choose at least one account.'));
  if (!choices) return notFound(c);
  d.config = { ...d.config, ...choices };
  await save(w, c, d);
  return c.redirect(`${base(d)}/dates`);
};

const chooseDates: Step = async (w, c, d) => {
  const parsed = parseDates(await formData(c));
  if ('error' in parsed) return c.redirect(withFlash(`${base(d)}/dates`, 'error', parsed.error));
  d.config = { ...d.config, ...parsed.dates };
  await save(w, c, d);
  return c.redirect(`${base(d)}/options`);
};

const chooseOptions: Step = async (w, c, d) => {
  d.config = { ...d.config, ...parseOptions(await formData(c)) };
  await save(w, c, d);
  return c.redirect(`${base(d)}/sync`);
};

/** Prepares the import (which ledger accounts, what to warn of), then syncs them or skips ahead. */
const sync: Step = async (w, c, d) => {
  const form = await formData(c);
  const prepared = await prepareImport(c.var.deps.store, d.familyId, d.config);
  d.ledgerBySophtron = prepared.ledgerBySophtron;
  d.warnings = prepared.warnings;
  await save(w, c, d);
  if (prepared.accountIds.length === 0)
    return c.redirect(
      withFlash(`${base(d)}/accounts`, 'error', 'None of the chosen accounts is linked here.'),
    );
  if (form.skip === '1') return c.redirect(afterSync(d));
  const task = await startImportSync(c, w.tasks, w.drafts, d, prepared);
  return c.redirect(`${base(d)}/sync?task=${encodeURIComponent(task.id)}`);
};

const chooseMapping: Step = async (w, c, d) => {
  const mapping = parseMapping(await formData(c));
  d.config = { ...d.config, mapping: { ...d.config.mapping, '0': mapping } };
  await save(w, c, d);
  return c.redirect(`${base(d)}/deliver`);
};

const deliver: Step = async (w, c, d) => {
  const client = await c.var.deps.services.firefly.client(d.familyId);
  if (!client)
    return c.redirect(
      withFlash(`${base(d)}/deliver`, 'error', 'Firefly III is not connected: see Settings.'),
    );
  const prepared = await prepareImport(c.var.deps.store, d.familyId, d.config);
  d.ledgerBySophtron = prepared.ledgerBySophtron;
  await save(w, c, d);
  const task = await startImportDelivery(c, w.tasks, w.drafts, d, { client, prepared });
  return c.redirect(`${base(d)}/deliver?task=${encodeURIComponent(task.id)}`);
};

const result: Step = (_w, c, d) =>
  d.delivery ? resultPage(c, d, d.delivery) : c.redirect(`${base(d)}/deliver`);

const downloadConfig: Step = async (_w, c, d) => {
  const text = await configToDownload(c.var.deps.store, d.familyId, d.config, d.ledgerBySophtron);
  // The family's day, as every date the app shows.
  const date = calendarDateIn(new Date(), await familyTimeZone(c.var.deps.store, d.familyId));
  c.header('Content-Type', 'application/json; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="import_config_${date}.json"`);
  return c.body(text);
};

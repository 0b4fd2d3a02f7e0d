/**
 * Import to Firefly III, the data importer's flow: upload a configuration or start fresh →
 * accounts and their Firefly targets → date range → options → sync (live) → map other-party
 * names → deliver (live) → result with counts, warnings and the balance check → download.
 */
import { z } from 'zod';
import { describeComparison } from '../../destinations/firefly/balance-check.js';
import { opposingName } from '../../destinations/firefly/convert.js';
import { FidiConfigError, parseFidiConfig, type FidiConfig } from '../../destinations/firefly/fidi-config.js';
import { FireflyUnreachableError, type FireflyAccount } from '../../destinations/firefly/client.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { LiveProgress } from '../components/progress.js';
import { formData } from '../forms.js';
import { configToDownload, deliverPrepared, prepareImport } from '../import/engine.js';
import { freshConfig, ImportDrafts, type ImportDraft } from '../import/drafts.js';
import { CsrfField } from '../layout.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';
import type { LiveTasks } from '../tasks.js';
import { syncProgress } from './sync.js';

const STEPS = ['Configuration', 'Accounts', 'Dates', 'Options', 'Sync', 'Map', 'Deliver', 'Result'];

function Steps({ current }: { current: number }) {
  return (
    <ol class="steps" aria-label="Import steps">
      {STEPS.map((s, i) => (
        <li
          aria-current={i === current ? 'step' : undefined}
          class={i === current ? 'current' : i < current ? 'done' : ''}
        >
          {s}
        </li>
      ))}
    </ol>
  );
}

const notFound = (c: Ctx) =>
  messagePage(c, 'Not found', 'This import is not open (it expired or belongs to another session).', 404);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const bool = (v: unknown) => v === 'on' || v === 'true' || v === '1';

type FireflyAnswer = { accounts: FireflyAccount[] } | { problem: string; connected: boolean };

/** The family's Firefly III accounts, or why they cannot be listed (not set up, no answer, refused). */
async function fireflyAccounts(c: Ctx, familyId: string): Promise<FireflyAnswer> {
  const { firefly } = c.var.deps.services;
  const client = await firefly.client(familyId, { interactive: true });
  if (!client)
    return {
      problem: 'Firefly III is not connected: set its address and token in Settings first.',
      connected: false,
    };
  try {
    return { accounts: (await client.listAccounts('all')).filter((a) => a.active !== false) };
  } catch (err) {
    const where = (await firefly.describe(familyId))?.url ?? 'its address';
    return {
      problem:
        err instanceof FireflyUnreachableError
          ? `Firefly III did not answer at ${where}: ${errorText(err)}`
          : errorText(err),
      connected: true,
    };
  }
}

/** Why Firefly III's accounts are missing, and the ways on: ask again, or fix the connection. */
function FireflyProblem({ answer, again }: { answer: FireflyAnswer; again: string }) {
  if ('accounts' in answer) return null;
  return (
    <div class="flash error" role="alert">
      <p>{answer.problem}</p>
      <p>
        {answer.connected && (
          <>
            <a href={again}>Ask Firefly III again</a> ·{' '}
          </>
        )}
        <a href="/settings">Settings</a> · Accounts can still be chosen: each becomes a new Firefly III
        account unless another is chosen later.
      </p>
    </div>
  );
}

/** The configuration so far, to keep or to run later with `sophtron-sync import`. */
function ConfigDownload({ d }: { d: ImportDraft }) {
  if (Object.keys(d.config.accounts).length === 0) return null;
  return (
    <p class="muted">
      <a href={`/import/${d.id}/config.json`} download="import_config.json">
        Download the configuration
      </a>{' '}
      (the accounts, dates and options chosen so far; no secrets)
    </p>
  );
}

export function registerImportPages(app: WebApp, tasks: LiveTasks, drafts = new ImportDrafts()): void {
  const draftOf = async (c: Ctx): Promise<ImportDraft | undefined> =>
    c.var.session
      ? drafts.get(
          c.var.deps.store,
          { session: c.var.session.idHash, familyId: c.var.session.user.familyId },
          c.req.param('id') ?? '',
        )
      : undefined;
  const save = (c: Ctx, d: ImportDraft) => drafts.save(c.var.deps.store, d);
  const base = (d: ImportDraft) => `/import/${d.id}`;

  app.get('/import', (c) =>
    page(
      c,
      'Import to Firefly III',
      <>
        <Steps current={0} />
        <div class="grid2">
          <form method="post" action="/import/start" class="card">
            <CsrfField token={c.var.csrf} />
            <h2>Start fresh</h2>
            <p>
              Choose accounts, dates and options step by step. The configuration can be downloaded as soon as
              the accounts and dates are chosen.
            </p>
            <button type="submit">Start fresh</button>
          </form>
          <form method="post" action="/import/start" enctype="multipart/form-data" class="card">
            <CsrfField token={c.var.csrf} />
            <h2>Use a configuration file</h2>
            <label>
              Import configuration (JSON, from this app or Firefly III's data importer)
              <input type="file" name="config" accept="application/json,.json" required />
            </label>
            <button type="submit">Upload</button>
          </form>
        </div>
      </>,
      { flash: flashFrom(c) },
    ),
  );

  app.post('/import/start', async (c) => {
    const user = currentUser(c);
    const body = await c.req.parseBody();
    let config = freshConfig();
    const file = body.config;
    if (file instanceof File && file.size > 0) {
      if (file.size > 1_000_000)
        return c.redirect(withFlash('/import', 'error', 'Import configuration: larger than 1 MB'));
      try {
        config = parseFidiConfig(await file.text());
      } catch (err) {
        const msg = err instanceof FidiConfigError ? err.problems.join('; ') : errorText(err);
        return c.redirect(withFlash('/import', 'error', `Import configuration: ${msg}`));
      }
    }
    const d = await drafts.create(
      c.var.deps.store,
      { session: c.var.session!.idHash, familyId: user.familyId },
      config,
    );
    return c.redirect(`${base(d)}/accounts`);
  });

  app.get('/import/:id/accounts', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const { store } = c.var.deps;
    const listings = (await store.listProviderAccounts(d.familyId)).filter((p) => p.account);
    const ff = await fireflyAccounts(c, d.familyId);
    const assetLike =
      'accounts' in ff
        ? ff.accounts.filter((a) => a.type === 'asset' || a.type === 'liabilities' || a.type === 'liability')
        : [];
    return page(
      c,
      'Import: accounts',
      <>
        <Steps current={1} />
        <FireflyProblem answer={ff} again={`${base(d)}/accounts`} />
        {listings.length === 0 ? (
          <p>
            No linked accounts yet. <a href="/connect">Connect a bank</a> first.
          </p>
        ) : (
          <form method="post" action={`${base(d)}/accounts`} class="card">
            <CsrfField token={c.var.csrf} />
            {listings.map((p) => {
              const chosen = d.config.accounts[p.sophtron_account_id];
              return (
                <fieldset class="card">
                  <legend>
                    <label class="check">
                      <input
                        type="checkbox"
                        name="include"
                        value={p.sophtron_account_id}
                        checked={chosen !== undefined || Object.keys(d.config.accounts).length === 0}
                      />{' '}
                      {p.account!.name} ({p.institution_name}
                      {p.number_mask ? ` ${p.number_mask}` : ''})
                    </label>
                  </legend>
                  <label>
                    Firefly III account
                    <select name={`target_${p.sophtron_account_id}`}>
                      <option value="0">Create a new account “{p.account!.name}”</option>
                      {assetLike.map((a) => (
                        <option value={a.id} selected={String(chosen) === a.id}>
                          {a.name} ({a.type}
                          {a.currency_code ? `, ${a.currency_code}` : ''})
                        </option>
                      ))}
                    </select>
                  </label>
                </fieldset>
              );
            })}
            <button type="submit">Next: dates</button>
          </form>
        )}
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.post('/import/:id/accounts', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const form = await formData(c);
    const include = (Array.isArray(form.include) ? form.include : form.include ? [form.include] : []).slice(
      0,
      500,
    );
    if (include.length === 0)
      return c.redirect(withFlash(`${base(d)}/accounts`, 'error', 'Choose at least one account.'));
    const { store } = c.var.deps;
    const accounts: Record<string, number> = {};
    const newAccounts: FidiConfig['new_accounts'] = {};
    for (const sophtronId of include) {
      const listing = await store.getProviderAccount(d.familyId, sophtronId);
      if (!listing?.account) return notFound(c);
      const raw = form[`target_${sophtronId}`];
      const target = Number(typeof raw === 'string' ? raw : '0');
      accounts[sophtronId] = Number.isSafeInteger(target) && target > 0 ? target : 0;
      if (accounts[sophtronId] === 0) {
        const liability = listing.account.kind === 'credit_card' || listing.account.kind === 'loan';
        newAccounts[sophtronId] = {
          name: listing.account.name,
          type: liability ? 'liabilities' : 'asset',
          currency: listing.account.currency,
          ...(liability
            ? {
                liability_type: listing.account.kind === 'loan' ? 'loan' : 'debt',
                liability_direction: 'credit',
              }
            : {}),
        } as FidiConfig['new_accounts'][string];
      }
    }
    d.config = { ...d.config, accounts, new_accounts: newAccounts };
    await save(c, d);
    return c.redirect(`${base(d)}/dates`);
  });

  app.get('/import/:id/dates', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const cfg = d.config;
    return page(
      c,
      'Import: dates',
      <>
        <Steps current={2} />
        <form method="post" action={`${base(d)}/dates`} class="card narrow">
          <CsrfField token={c.var.csrf} />
          <fieldset>
            <legend>Which transactions?</legend>
            <label class="check">
              <input type="radio" name="date_range" value="all" checked={cfg.date_range === 'all'} />{' '}
              Everything since each account's first day
            </label>
            <label class="check">
              <input type="radio" name="date_range" value="partial" checked={cfg.date_range === 'partial'} />{' '}
              The last…
            </label>
            <div class="grid2">
              <label>
                Number{' '}
                <input
                  type="number"
                  name="date_range_number"
                  min="1"
                  max="3650"
                  value={String(cfg.date_range_number)}
                />
              </label>
              <label>
                Unit
                <select name="date_range_unit">
                  {(['d', 'w', 'm', 'y'] as const).map((u) => (
                    <option value={u} selected={cfg.date_range_unit === u}>
                      {{ d: 'days', w: 'weeks', m: 'months', y: 'years' }[u]}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <label class="check">
              <input type="radio" name="date_range" value="range" checked={cfg.date_range === 'range'} />{' '}
              Between two dates
            </label>
            <div class="grid2">
              <label>
                From <input type="date" name="date_not_before" value={cfg.date_not_before} />
              </label>
              <label>
                To <input type="date" name="date_not_after" value={cfg.date_not_after} />
              </label>
            </div>
          </fieldset>
          <button type="submit">Next: options</button>
        </form>
      </>,
      { flash: flashFrom(c) },
    );
  });

  const datesSchema = z
    .object({
      date_range: z.enum(['all', 'partial', 'range']),
      date_range_number: z.coerce.number().int().min(1).max(3650).catch(30),
      date_range_unit: z.enum(['d', 'w', 'm', 'y']).catch('d'),
      date_not_before: z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD'),
      date_not_after: z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD'),
    })
    .refine((v) => v.date_range !== 'range' || (v.date_not_before && v.date_not_after), {
      message: 'From and To: both are needed for "between two dates"',
      path: ['date_not_before'],
    });

  app.post('/import/:id/dates', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const parsed = datesSchema.safeParse(await formData(c));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      return c.redirect(withFlash(`${base(d)}/dates`, 'error', `${String(i.path[0] ?? '')}: ${i.message}`));
    }
    d.config = { ...d.config, ...parsed.data };
    await save(c, d);
    return c.redirect(`${base(d)}/options`);
  });

  app.get('/import/:id/options', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const cfg = d.config;
    const check = (name: string, checked: boolean, label: string) => (
      <label class="check">
        <input type="checkbox" name={name} checked={checked} /> {label}
      </label>
    );
    return page(
      c,
      'Import: options',
      <>
        <Steps current={3} />
        <ConfigDownload d={d} />
        <form method="post" action={`${base(d)}/options`} class="card narrow">
          <CsrfField token={c.var.csrf} />
          {check('rules', cfg.rules, "Apply Firefly III's rules")}
          {check('webhooks', cfg.webhooks, "Fire Firefly III's webhooks")}
          {check('add_import_tag', cfg.add_import_tag, 'Tag the imported transactions')}
          <label>
            Custom tag (optional; %date%, %year%… allowed){' '}
            <input name="custom_tag" value={cfg.custom_tag} maxlength={255} />
          </label>
          {check(
            'pending_transactions',
            cfg.pending_transactions ?? false,
            'Also import pending transactions (tagged; replaced when posted)',
          )}
          {check(
            'map_all_data',
            cfg.map_all_data,
            'Map other-party names to Firefly III accounts before delivering',
          )}
          <button type="submit">Next: sync</button>
        </form>
      </>,
    );
  });

  app.post('/import/:id/options', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const f = await formData(c);
    const tag = typeof f.custom_tag === 'string' ? f.custom_tag.trim().slice(0, 255) : '';
    d.config = {
      ...d.config,
      rules: bool(f.rules),
      webhooks: bool(f.webhooks),
      add_import_tag: bool(f.add_import_tag),
      custom_tag: tag,
      pending_transactions: bool(f.pending_transactions),
      map_all_data: bool(f.map_all_data),
    };
    await save(c, d);
    return c.redirect(`${base(d)}/sync`);
  });

  app.get('/import/:id/sync', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const taskId = c.req.query('task');
    const task = taskId ? await tasks.get(taskId, d.familyId) : undefined;
    return page(
      c,
      'Import: sync from Sophtron',
      <>
        <Steps current={4} />
        <ConfigDownload d={d} />
        {task ? (
          <LiveProgress taskId={task.id} label="Sync progress" since={task.startedAt} />
        ) : (
          <form method="post" action={`${base(d)}/sync`} class="card narrow">
            <CsrfField token={c.var.csrf} />
            <p>
              First read the chosen accounts from Sophtron into the ledger, then deliver only what is new or
              changed.
            </p>
            <button type="submit">Sync now</button>{' '}
            <button type="submit" name="skip" value="1" class="secondary">
              Skip (deliver what the ledger has)
            </button>
          </form>
        )}
      </>,
      { flash: flashFrom(c) },
    );
  });

  const afterSync = (d: ImportDraft) => (d.config.map_all_data ? `${base(d)}/map` : `${base(d)}/deliver`);

  app.post('/import/:id/sync', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const form = await formData(c);
    const { store, services } = c.var.deps;
    const prepared = await prepareImport(store, d.familyId, d.config);
    d.ledgerBySophtron = prepared.ledgerBySophtron;
    d.warnings = prepared.warnings;
    await save(c, d);
    if (prepared.accountIds.length === 0)
      return c.redirect(
        withFlash(`${base(d)}/accounts`, 'error', 'None of the chosen accounts is linked here.'),
      );
    if (form.skip === '1') return c.redirect(afterSync(d));
    const task = await tasks.start(d.familyId, 'import-sync', async (emit) => {
      d.sync = await services.sync.run(d.familyId, {
        trigger: 'import',
        accountIds: prepared.accountIds,
        onEvent: syncProgress(emit),
        partOf: 'import',
      });
      // Saved before the page is sent on: the next step may be served by another process.
      await drafts.save(store, d);
      return {
        type: 'done',
        ok: d.sync.outcome !== 'failed',
        redirect: afterSync(d),
        message: d.sync.outcome,
      };
    });
    return c.redirect(`${base(d)}/sync?task=${encodeURIComponent(task.id)}`);
  });

  app.get('/import/:id/map', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const { store } = c.var.deps;
    const prepared = await prepareImport(store, d.familyId, d.config);
    const names = new Map<string, number>();
    const { rows } = await store.listTransactions(d.familyId, {
      accountIds: prepared.accountIds,
      limit: 5000,
    });
    for (const t of rows) {
      const n = opposingName(t);
      if (n) names.set(n, (names.get(n) ?? 0) + 1);
    }
    const ff = await fireflyAccounts(c, d.familyId);
    const targets =
      'accounts' in ff
        ? ff.accounts.filter((a) => a.type === 'expense' || a.type === 'revenue' || a.type === 'asset')
        : [];
    const current = d.config.mapping['0'] ?? {};
    const sorted = [...names.entries()].sort((a, b) => b[1] - a[1]).slice(0, 200);
    return page(
      c,
      'Import: map other parties',
      <>
        <Steps current={5} />
        <FireflyProblem answer={ff} again={`${base(d)}/map`} />
        <ConfigDownload d={d} />
        <form method="post" action={`${base(d)}/map`} class="card">
          <CsrfField token={c.var.csrf} />
          <p>
            Send transactions with these other parties to an existing Firefly III account (one of your own
            accounts makes them transfers), or leave them to be found or created by their name.
          </p>
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Other party</th>
                <th scope="col" class="num">
                  Transactions
                </th>
                <th scope="col">Firefly III account</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map(([name, count], i) => (
                <tr>
                  <td id={`party-${i}`}>{name}</td>
                  <td class="num" data-label="Transactions">
                    {count}
                  </td>
                  <td>
                    <input type="hidden" name="party" value={name} />
                    <select name="target" aria-labelledby={`party-${i}`}>
                      <option value="0">“{name}”, found or created by its name</option>
                      {targets.map((a) => (
                        <option value={a.id} selected={String(current[name]) === a.id}>
                          {a.name} ({a.type})
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="submit">Next: deliver</button>
        </form>
      </>,
    );
  });

  app.post('/import/:id/map', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const f = await formData(c);
    const parties = Array.isArray(f.party) ? f.party : f.party ? [f.party] : [];
    const targets = Array.isArray(f.target) ? f.target : f.target ? [f.target] : [];
    const mapping: Record<string, number> = {};
    parties.forEach((p, i) => {
      const id = Number(targets[i]);
      if (Number.isSafeInteger(id) && id > 0) mapping[p.slice(0, 255)] = id;
    });
    d.config = { ...d.config, mapping: { ...d.config.mapping, '0': mapping } };
    await save(c, d);
    return c.redirect(`${base(d)}/deliver`);
  });

  app.get('/import/:id/deliver', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const taskId = c.req.query('task');
    const task = taskId ? await tasks.get(taskId, d.familyId) : undefined;
    const flash = flashFrom(c);
    const connected = (await c.var.deps.services.firefly.describe(d.familyId)) !== null;
    return page(
      c,
      'Import: deliver to Firefly III',
      <>
        <Steps current={6} />
        {task ? (
          <LiveProgress taskId={task.id} label="Delivery progress" since={task.startedAt} />
        ) : (
          <form method="post" action={`${base(d)}/deliver`} class="card narrow">
            <CsrfField token={c.var.csrf} />
            {d.sync && (
              <p>
                Sync: {d.sync.outcome}; {d.sync.totals.new} new, {d.sync.totals.updated} updated,{' '}
                {d.sync.totals.merged} pending→posted, {d.sync.sophtronCalls} Sophtron calls.
              </p>
            )}
            <p>Send new and changed transactions to Firefly III. Nothing already delivered is sent twice.</p>
            {!connected && <p>Firefly III is not connected yet: set its address and token in Settings.</p>}
            <button type="submit">
              {flash?.kind === 'error' && connected ? 'Try again' : 'Deliver now'}
            </button>
          </form>
        )}
        {!task && (
          <p class="actions">
            {(!connected || flash?.kind === 'error') && (
              <a class="button secondary" href="/settings">
                {connected
                  ? 'Check the Firefly III connection in Settings'
                  : 'Set up Firefly III in Settings'}
              </a>
            )}
            <a class="button secondary" href={`${base(d)}/options`}>
              Back: options
            </a>
          </p>
        )}
        <ConfigDownload d={d} />
      </>,
      { flash },
    );
  });

  app.post('/import/:id/deliver', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const { store, services, config } = c.var.deps;
    const client = await services.firefly.client(d.familyId);
    if (!client)
      return c.redirect(
        withFlash(`${base(d)}/deliver`, 'error', 'Firefly III is not connected: see Settings.'),
      );
    const prepared = await prepareImport(store, d.familyId, d.config);
    d.ledgerBySophtron = prepared.ledgerBySophtron;
    await save(c, d);
    const task = await tasks.start(d.familyId, 'import-deliver', async (emit) => {
      emit({ type: 'progress', value: 0, max: 1, label: 'Checking Firefly III…' });
      // A delivery that stops before sending anything goes back to its step with the reason and a
      // "Try again", never to an empty progress bar.
      const stopped = (reason: string) => ({
        type: 'done' as const,
        ok: false,
        redirect: withFlash(`${base(d)}/deliver`, 'error', `Nothing was delivered: ${reason}`),
        message: reason,
      });
      let delivery;
      try {
        // Asked first with a short budget: an unreachable Firefly III is said in seconds.
        const quick = await services.firefly.client(d.familyId, { interactive: true });
        await quick?.checkVersion();
      } catch (err) {
        return stopped(errorText(err));
      }
      try {
        delivery = await deliverPrepared(store, client, d.familyId, prepared, {
          concurrency: config.fireflyConcurrency,
          onProgress: (p) =>
            emit({
              type: 'progress',
              value: p.done,
              max: Math.max(1, p.total),
              label: `Delivered ${p.done} of ${p.total}: ${p.created} created, ${p.updated} updated, ${p.failed} failed`,
            }),
        });
      } catch (err) {
        return stopped(errorText(err));
      }
      if (delivery.aborted && delivery.created + delivery.updated + delivery.failed === 0)
        return stopped(delivery.aborted);
      d.delivery = delivery;
      await drafts.save(store, d);
      return {
        type: 'done',
        ok: !delivery.aborted,
        redirect: `${base(d)}/result`,
        message: delivery.aborted ?? 'delivered',
      };
    });
    return c.redirect(`${base(d)}/deliver?task=${encodeURIComponent(task.id)}`);
  });

  app.get('/import/:id/result', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const r = d.delivery;
    if (!r) return c.redirect(`${base(d)}/deliver`);
    const warnings = [...d.warnings, ...r.warnings];
    return page(
      c,
      'Import: result',
      <>
        <Steps current={7} />
        {r.aborted && <p class="flash error">Stopped early: {r.aborted}</p>}
        {!r.aborted &&
          r.created + r.updated + r.alreadyThere + r.unchanged + r.skipped + r.paired + r.failed === 0 && (
            <p class="flash ok" role="status">
              Nothing new to send: every transaction of these accounts and dates was delivered before, or
              there is none.
            </p>
          )}
        <dl class="card" id="import-result">
          <dt>Created in Firefly III</dt>
          <dd id="count-created">{r.created}</dd>
          <dt>Updated</dt>
          <dd>
            {r.updated}
            {r.updated > 0 && <span class="muted"> (amount and dates follow the bank)</span>}
          </dd>
          <dt>Kept your edit</dt>
          <dd id="count-kept-edit">
            {r.keptEdits}
            {r.keptEdits > 0 && (
              <span class="muted">
                {' '}
                (changed at the bank too; what you changed in Firefly III — description, category, notes,
                tags, other party — was kept)
              </span>
            )}
          </dd>
          <dt>Already there</dt>
          <dd>{r.alreadyThere}</dd>
          <dt>Unchanged</dt>
          <dd>{r.unchanged}</dd>
          <dt>Skipped</dt>
          <dd>
            {r.skipped}
            {r.skipped > 0 && (
              <span class="muted">
                {' '}
                (not sent: pending ones unless the options import them, vanished at the bank, or zero amounts)
              </span>
            )}
          </dd>
          <dt>Transfers paired</dt>
          <dd>{r.paired}</dd>
          <dt>Failed</dt>
          <dd>{r.failed}</dd>
          <dt>Accounts created</dt>
          <dd>{r.accountsCreated}</dd>
          <dt>Firefly III version</dt>
          <dd>{r.fireflyVersion}</dd>
        </dl>
        {warnings.length > 0 && (
          <section>
            <h2>Warnings</h2>
            <ul>
              {warnings.map((w) => (
                <li>{w}</li>
              ))}
            </ul>
          </section>
        )}
        {r.errors.length > 0 && (
          <section>
            <h2>Errors</h2>
            <ul>
              {r.errors.slice(0, 100).map((e) => (
                <li>{e.message}</li>
              ))}
            </ul>
          </section>
        )}
        <section>
          <h2>Balance check</h2>
          {r.balances.length === 0 ? (
            <p>No balances to compare.</p>
          ) : (
            <ul id="balance-check">
              {r.balances.map((b) => (
                <li>{describeComparison(b)}</li>
              ))}
            </ul>
          )}
        </section>
        <div class="actions">
          {r.aborted && (
            <form method="post" action={`${base(d)}/deliver`}>
              <CsrfField token={c.var.csrf} />
              <button type="submit">Try again</button>
            </form>
          )}
          <a class="button" href={`${base(d)}/config.json`} download="import_config.json">
            Download the configuration
          </a>
          <a class="button secondary" href="/import">
            Start another import
          </a>
        </div>
      </>,
    );
  });

  app.get('/import/:id/config.json', async (c) => {
    const d = await draftOf(c);
    if (!d) return notFound(c);
    const text = await configToDownload(c.var.deps.store, d.familyId, d.config, d.ledgerBySophtron);
    const date = new Date().toISOString().slice(0, 10);
    c.header('Content-Type', 'application/json; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="import_config_${date}.json"`);
    return c.body(text);
  });
}

/**
 * The JSON API under /api: the same actions as the pages, for scripts. Authentication: a token
 * (`Authorization: Bearer sst_…`, created on the API tokens page) or the browser session (then
 * state changes need the CSRF header like any form). Every id is resolved within the caller's
 * family; another family's id answers 404.
 */
import { z } from 'zod';
import { FidiConfigError, parseFidiConfig } from '../../destinations/firefly/fidi-config.js';
import { refreshConnection } from '../../sophtron/connect.js';
import { StoreError } from '../../store/index.js';
import { recordConnection } from '../../store/record-connection.js';
import type { LedgerTransactionStatus } from '../../store/schema.js';
import { OverBudgetError } from '../../scheduler/manual-budget.js';
import { SyncLockedError } from '../../store/family-lock.js';
import { familyStartDate } from '../start-date.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { ImportRunError, runImportNow } from '../import/run.js';
import { calendarDate, fromNotAfterTo } from '../forms.js';
import { jsonBody } from '../json-body.js';

const notFound = (c: Ctx) => c.json({ error: 'not found' }, 404);
const bad = (c: Ctx, error: string) => c.json({ error }, 400);
const zodError = (e: z.ZodError) =>
  e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
const date = calendarDate;

const txQuery = z
  .object({
    q: z.string().max(100).optional(),
    status: z.enum(['pending', 'posted', 'vanished']).optional(),
    from: date.optional(),
    to: date.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .superRefine(fromNotAfterTo);

const accountPatch = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(['depository', 'credit_card', 'investment', 'loan']).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
      .optional(),
    balanceRule: z.enum(['as_reported', 'negate', 'owed_positive']).optional(),
    startDate: date.nullable().optional(),
  })
  .strict();

const syncBody = z
  .object({
    accountIds: z.array(z.string().max(100)).max(500).optional(),
    /** Go on although the sync would spend more than the month's Sophtron budget has left. */
    overBudget: z.boolean().optional(),
  })
  .strict();

export function registerApi(app: WebApp): void {
  // In this order: a route registered earlier wins where two match.
  registerLedgerRoutes(app);
  registerConnectionRoutes(app);
  registerSyncRoutes(app);
}

/** Accounts and their transactions. */
function registerLedgerRoutes(app: WebApp): void {
  app.get('/api/accounts', async (c) => {
    const rows = await c.var.deps.store.listAccountsWithBalance(currentUser(c).familyId);
    return c.json({
      accounts: rows.map((a) => ({
        id: a.id,
        name: a.name,
        kind: a.kind,
        currency: a.currency,
        linked: a.provider_account_id !== null,
        institution: a.institution_name,
        numberMask: a.number_mask,
        balance: a.balance
          ? {
              currentMinor: a.balance.current_minor,
              availableMinor: a.balance.available_minor,
              takenAt: a.balance.taken_at,
            }
          : null,
        lastSync: { at: a.last_sync_at, outcome: a.last_sync_outcome, error: a.last_sync_error },
      })),
    });
  });

  app.get('/api/accounts/:id', async (c) => {
    const account = await c.var.deps.store.getAccount(currentUser(c).familyId, c.req.param('id'));
    return account ? c.json({ account }) : notFound(c);
  });

  app.patch('/api/accounts/:id', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    if (!(await store.getAccount(user.familyId, c.req.param('id')))) return notFound(c);
    const parsed = accountPatch.safeParse(await jsonBody(c));
    if (!parsed.success) return bad(c, zodError(parsed.error));
    const patch = parsed.data;
    let note: string | null = null;
    if (patch.startDate) {
      const start = await familyStartDate(c.var.deps, user.familyId, patch.startDate);
      if ('error' in start) return bad(c, `startDate: ${start.error}`);
      patch.startDate = start.date;
      note = start.note && `startDate: ${start.note}`;
    }
    try {
      const account = await store.updateAccount(user.familyId, c.req.param('id'), patch);
      return account ? c.json({ account, ...(note ? { note } : {}) }) : notFound(c);
    } catch (err) {
      if (err instanceof StoreError) return bad(c, err.message);
      throw err;
    }
  });

  app.get('/api/accounts/:id/transactions', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const account = await store.getAccount(user.familyId, c.req.param('id'));
    if (!account) return notFound(c);
    const q = txQuery.safeParse(c.req.query());
    if (!q.success) return bad(c, zodError(q.error));
    const { rows, total } = await store.listTransactions(user.familyId, {
      accountId: account.id,
      ...(q.data.q ? { search: q.data.q } : {}),
      ...(q.data.status ? { status: q.data.status as LedgerTransactionStatus } : {}),
      ...(q.data.from ? { from: q.data.from } : {}),
      ...(q.data.to ? { to: q.data.to } : {}),
      limit: q.data.limit,
      offset: q.data.offset,
    });
    return c.json({ total, transactions: rows });
  });

  app.delete('/api/transactions/:id', async (c) => {
    const user = currentUser(c);
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id)) return notFound(c);
    const ok = await c.var.deps.store.deleteTransaction(user.familyId, id, user.username);
    return ok ? c.json({ deleted: id }) : notFound(c);
  });
}

/** Bank logins (and refreshing one at the bank), and the search for a bank. */
function registerConnectionRoutes(app: WebApp): void {
  app.get('/api/connections', async (c) => {
    const rows = await c.var.deps.store.listConnections(currentUser(c).familyId);
    return c.json({
      connections: rows.map((r) => ({
        id: r.id,
        institutionId: r.institution_id,
        institutionName: r.institution_name,
        status: r.status,
        statusReason: r.status_reason,
        lastRefreshedAt: r.last_refreshed_at,
      })),
    });
  });

  app.post('/api/connections/:id/refresh', async (c) => {
    const user = currentUser(c);
    const { store, services, config } = c.var.deps;
    const conn = await store.getConnection(user.familyId, c.req.param('id'));
    if (!conn) return notFound(c);
    const api = await services.sophtron.client(user.familyId);
    // Unattended: if the bank asks for MFA the answer is needs_attention (fix it in the web page).
    const outcome = await refreshConnection(api, conn.user_institution_id, {
      timeoutMs: config.sophtronJobTimeoutMs,
    });
    const accounts = outcome.outcome === 'connected' ? await api.listAccounts(conn.user_institution_id) : [];
    await recordConnection(
      store,
      user.familyId,
      outcome,
      { id: conn.institution_id, name: conn.institution_name, countryCode: conn.country_code },
      accounts,
      { userInstitutionId: conn.user_institution_id },
    );
    const after = await store.getConnection(user.familyId, conn.id);
    return c.json({
      outcome: outcome.outcome,
      status: after?.status ?? null,
      statusReason: after?.status_reason ?? null,
    });
  });

  app.get('/api/institutions', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    if (q.length < 2 || q.length > 100) return bad(c, 'q: give 2 to 100 characters of the bank name');
    const api = await c.var.deps.services.sophtron.client(currentUser(c).familyId);
    return c.json({ institutions: await api.searchInstitutions(q) });
  });
}

/** Syncs, their runs, and imports (a sync followed by its deliveries). */
function registerSyncRoutes(app: WebApp): void {
  app.post('/api/sync', async (c) => {
    const user = currentUser(c);
    const raw = (await jsonBody(c)) ?? {};
    const parsed = syncBody.safeParse(raw);
    if (!parsed.success) return bad(c, zodError(parsed.error));
    for (const id of parsed.data.accountIds ?? [])
      if (!(await c.var.deps.store.getAccount(user.familyId, id))) return notFound(c);
    try {
      const result = await c.var.deps.services.sync.run(user.familyId, {
        trigger: 'api',
        ...(parsed.data.accountIds ? { accountIds: parsed.data.accountIds } : {}),
        overBudget: parsed.data.overBudget === true,
      });
      return c.json({ run: result });
    } catch (err) {
      if (err instanceof SyncLockedError) return c.json({ error: err.message }, 409);
      if (err instanceof OverBudgetError)
        return c.json(
          { error: `${err.message}; send "overBudget": true to go on`, overBudget: err.figures },
          409,
        );
      throw err;
    }
  });

  app.get('/api/sync/runs', async (c) => {
    const limit = Math.min(200, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
    return c.json({ runs: await c.var.deps.store.listRuns(currentUser(c).familyId, { limit }) });
  });

  app.get('/api/sync/runs/:id', async (c) => {
    const run = await c.var.deps.store.getRun(currentUser(c).familyId, c.req.param('id'));
    return run ? c.json({ run }) : notFound(c);
  });

  app.post('/api/import', async (c) => {
    const user = currentUser(c);
    let config;
    try {
      config = parseFidiConfig(await c.req.text());
    } catch (err) {
      return bad(c, err instanceof FidiConfigError ? err.problems.join('; ') : String(err));
    }
    try {
      const summary = await runImportNow(c.var.deps, user.familyId, config, {
        sync: c.req.query('sync') !== 'false',
        overBudget: c.req.query('overBudget') === 'true',
        trigger: 'api',
      });
      return c.json(summary);
    } catch (err) {
      if (err instanceof ImportRunError) return c.json(err.body(), err.status);
      throw err;
    }
  });
}

/**
 * One account: transactions with search, filters and pagination; the balance history chart;
 * the link settings; deleting a transaction (tombstoned, so a sync does not bring it back).
 */
import { z } from 'zod';
import type { BalanceRule, LedgerTransactionStatus } from '../../store/schema.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { BalanceChart } from '../components/chart.js';
import { balanceDirection, balanceHistory } from '../components/balance-history.js';
import { calendarDateIn } from '../../dates.js';
import { KIND_OPTIONS, KindSelect } from '../components/link-form.js';
import { formData, parseForm, text } from '../forms.js';
import { CsrfField } from '../layout.js';
import { flashFrom, messagePage, page, withFlash } from '../render.js';
import { formatMoney } from '../../money.js';
import { familyStartDate } from '../start-date.js';
import { formatTimestamp } from '../time.js';
import { familyTimeZone } from '../users.js';

const PAGE_SIZE = 50;
const RULES: { value: BalanceRule; label: string }[] = [
  { value: 'as_reported', label: 'As the bank reports it' },
  { value: 'negate', label: 'Flip the sign' },
  { value: 'owed_positive', label: 'Amount owed as a positive number' },
];

const dateOrEmpty = z
  .string()
  .trim()
  .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD')
  .optional()
  .transform((v) => (v ? v : undefined));

const filterSchema = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(['all', 'pending', 'posted', 'vanished']).optional().default('all'),
  from: dateOrEmpty,
  to: dateOrEmpty,
  page: z.coerce.number().int().min(1).max(100_000).optional().default(1),
});

const settingsSchema = z.object({
  name: text(100),
  kind: z.enum(KIND_OPTIONS.map((k) => k.value) as [string, ...string[]]),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO code such as USD'),
  balance_rule: z.enum(['as_reported', 'negate', 'owed_positive']),
  start_date: z
    .string()
    .trim()
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD')
    .transform((v) => (v === '' ? null : v)),
});
const SETTINGS_LABELS = {
  name: 'Name',
  kind: 'Kind',
  currency: 'Currency',
  balance_rule: 'Balance rule',
  start_date: 'First day to read',
};

const notFound = (c: Ctx) => messagePage(c, 'Not found', 'There is no such account.', 404);

export function registerAccountPages(app: WebApp): void {
  app.get('/accounts/:id', async (c) => {
    const user = currentUser(c);
    const { store, db } = c.var.deps;
    const account = await store.getAccount(user.familyId, c.req.param('id'));
    if (!account) return notFound(c);
    const parsed = filterSchema.safeParse(c.req.query());
    const f = parsed.success ? parsed.data : filterSchema.parse({});
    const tz = await familyTimeZone(db, user.familyId);
    const { rows, total } = await store.listTransactions(user.familyId, {
      accountId: account.id,
      ...(f.q ? { search: f.q } : {}),
      ...(f.status !== 'all' ? { status: f.status as LedgerTransactionStatus } : {}),
      ...(f.from ? { from: f.from } : {}),
      ...(f.to ? { to: f.to } : {}),
      limit: PAGE_SIZE,
      offset: (f.page - 1) * PAGE_SIZE,
    });
    const balances = await store.listBalances(user.familyId, account.id, { limit: 500 });
    const latest = balances[balances.length - 1];
    const reported = balances
      .filter((b) => b.current_minor !== null)
      .map((b) => ({ at: b.taken_at, minor: b.current_minor! }));
    const history = balanceHistory({
      snapshots: reported,
      dailyNet: reported[0]
        ? await store.dailyPostedTotals(
            user.familyId,
            account.id,
            calendarDateIn(new Date(reported[0].at), tz),
          )
        : [],
      direction: balanceDirection(account.balance_rule),
      timeZone: tz,
    });
    const pages = Math.max(1, Math.ceil((total ?? 0) / PAGE_SIZE));
    const filtered = Boolean(f.q || f.from || f.to || f.status !== 'all');
    const qs = (p: number) =>
      `?${new URLSearchParams({ q: f.q ?? '', status: f.status, from: f.from ?? '', to: f.to ?? '', page: String(p) }).toString()}`;
    return page(
      c,
      account.name,
      <>
        <p>
          Balance: <strong class="money">{formatMoney(latest?.current_minor, account.currency)}</strong>
          {latest?.available_minor !== null && latest?.available_minor !== undefined && (
            <> · available {formatMoney(latest.available_minor, account.currency)}</>
          )}{' '}
          · last sync {formatTimestamp(account.last_sync_at, tz)}
          {account.last_sync_outcome && (
            <span class={`pill ${account.last_sync_outcome}`}>{account.last_sync_outcome}</span>
          )}
        </p>
        {account.last_sync_error && <p class="flash error">{account.last_sync_error}</p>}
        <div class="actions">
          <form method="post" action="/sync" class="inline">
            <CsrfField token={c.var.csrf} />
            <input type="hidden" name="account_id" value={account.id} />
            <button type="submit" disabled={!account.provider_account_id}>
              Sync this account
            </button>
          </form>
          {/* file exports (src/destinations/files), served by the scheduler's /exports/download */}
          {(['csv', 'ofx', 'json'] as const).map((format) => (
            <a
              class="button secondary"
              href={`/exports/download?${new URLSearchParams({ format, account: account.id, from: f.from ?? '', to: f.to ?? '' }).toString()}`}
            >
              Download {format.toUpperCase()}
            </a>
          ))}
        </div>
        <section aria-labelledby="chart-h">
          <h2 id="chart-h">Balance history</h2>
          <BalanceChart currency={account.currency} points={history} />
          {history.some((p) => p.derived) && (
            <p class="muted" id="derived-note">
              Dashed: balances before the first sync, worked out backwards from the first balance through the
              posted transactions (not reported by the bank).
            </p>
          )}
        </section>
        <section aria-labelledby="tx-h" id="tx-section">
          <h2 id="tx-h">Transactions</h2>
          <form
            method="get"
            action={`/accounts/${account.id}`}
            class="card grid2"
            role="search"
            hx-get={`/accounts/${account.id}`}
            hx-trigger="submit, change, input changed delay:400ms from:find input[type=search]"
            hx-target="#tx-section"
            hx-select="#tx-section"
            hx-swap="outerHTML"
            hx-push-url="true"
          >
            <label>
              Search <input type="search" name="q" value={f.q ?? ''} />
            </label>
            <label>
              Status
              <select name="status">
                {['all', 'pending', 'posted', 'vanished'].map((s) => (
                  <option value={s} selected={s === f.status}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label>
              From <input type="date" name="from" value={f.from ?? ''} />
            </label>
            <label>
              To <input type="date" name="to" value={f.to ?? ''} />
            </label>
            <button type="submit">Filter</button>
          </form>
          {!parsed.success && <p class="flash error">Some filters were not understood and were ignored.</p>}
          <table class="responsive" id="transactions">
            <caption>
              {total} transaction{total === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colspan={5} class="empty">
                    {filtered
                      ? 'No transaction matches these filters.'
                      : 'No transactions yet: they appear after a sync.'}
                  </td>
                </tr>
              )}
              {rows.map((t) => (
                <tr>
                  <td>{t.date}</td>
                  <td>
                    {t.description ?? t.merchant ?? ''}
                    {t.category && <div class="muted">{t.category}</div>}
                  </td>
                  <td class="num money">{formatMoney(t.amount_minor, t.currency)}</td>
                  <td>
                    <span class={`pill ${t.status}`}>{t.status}</span>
                  </td>
                  <td>
                    <form
                      method="post"
                      action={`/accounts/${account.id}/transactions/${t.id}/delete`}
                      class="inline"
                      hx-post={`/accounts/${account.id}/transactions/${t.id}/delete`}
                      hx-target="closest tr"
                      hx-swap="outerHTML"
                      hx-confirm="Delete this transaction? Later syncs will not bring it back."
                    >
                      <CsrfField token={c.var.csrf} />
                      <button
                        type="submit"
                        class="danger"
                        aria-label={`Delete ${t.description ?? 'transaction'} of ${t.date}`}
                      >
                        Delete
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav
            aria-label="Pages"
            class="actions"
            hx-boost="true"
            hx-target="#tx-section"
            hx-select="#tx-section"
            hx-swap="outerHTML"
          >
            {f.page > 1 && <a href={qs(f.page - 1)}>← Newer</a>}
            <span>
              Page {f.page} of {pages}
            </span>
            {f.page < pages && <a href={qs(f.page + 1)}>Older →</a>}
          </nav>
        </section>
        <section aria-labelledby="settings-h">
          <h2 id="settings-h">Settings of this account</h2>
          <form method="post" action={`/accounts/${account.id}/settings`} class="card grid2">
            <CsrfField token={c.var.csrf} />
            <label>
              Name <input name="name" value={account.name} required />
            </label>
            <KindSelect name="kind" value={account.kind} label="Kind" />
            <label>
              Currency{' '}
              <input name="currency" value={account.currency} required pattern="[A-Za-z]{3}" maxlength={3} />
            </label>
            <label>
              Balance rule
              <select name="balance_rule">
                {RULES.map((r) => (
                  <option value={r.value} selected={r.value === account.balance_rule}>
                    {r.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              First day to read <input type="date" name="start_date" value={account.sync_start_date ?? ''} />
            </label>
            <button type="submit">Save</button>
          </form>
          {account.provider_account_id && (
            <form
              method="post"
              action={`/accounts/${account.id}/unlink`}
              data-confirm="Unlink this account from the bank account? Syncs stop; its history stays."
            >
              <CsrfField token={c.var.csrf} />
              <p class="muted">Unlinking stops syncing this account; its history stays here.</p>
              <button type="submit" class="danger">
                Unlink from the bank account
              </button>
            </form>
          )}
        </section>
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.post('/accounts/:id/settings', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const account = await store.getAccount(user.familyId, c.req.param('id'));
    if (!account) return notFound(c);
    const back = `/accounts/${account.id}`;
    const parsed = parseForm(settingsSchema, await formData(c), SETTINGS_LABELS);
    if (!parsed.ok) return c.redirect(withFlash(back, 'error', parsed.error));
    let startDate = parsed.data.start_date;
    let note: string | null = null;
    if (startDate) {
      const start = await familyStartDate(c.var.deps, user.familyId, startDate);
      if ('error' in start)
        return c.redirect(withFlash(back, 'error', `${SETTINGS_LABELS.start_date}: ${start.error}`));
      startDate = start.date;
      note = start.note;
    }
    try {
      await store.updateAccount(user.familyId, account.id, {
        name: parsed.data.name,
        kind: parsed.data.kind as (typeof KIND_OPTIONS)[number]['value'],
        currency: parsed.data.currency,
        balanceRule: parsed.data.balance_rule,
        startDate,
      });
    } catch (err) {
      return c.redirect(withFlash(back, 'error', err instanceof Error ? err.message : String(err)));
    }
    return c.redirect(
      withFlash(back, 'ok', note ? `Saved. ${SETTINGS_LABELS.start_date}: ${note}.` : 'Saved.'),
    );
  });

  app.post('/accounts/:id/unlink', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const account = await store.getAccount(user.familyId, c.req.param('id'));
    if (!account) return notFound(c);
    await store.unlinkAccount(user.familyId, account.id);
    return c.redirect(
      withFlash(
        `/accounts/${account.id}`,
        'ok',
        'Unlinked: the history stays; linking the bank account again reuses it.',
      ),
    );
  });

  app.post('/accounts/:id/transactions/:tid/delete', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const account = await store.getAccount(user.familyId, c.req.param('id'));
    const tid = Number(c.req.param('tid'));
    if (!account || !Number.isSafeInteger(tid)) return notFound(c);
    const tx = await store.getTransaction(user.familyId, tid);
    if (!tx || tx.account_id !== account.id) return notFound(c);
    await store.deleteTransaction(user.familyId, tid, user.username);
    if (c.req.header('hx-request'))
      return c.html(
        <tr>
          <td colspan={5} role="status">
            Deleted {tx.description ?? 'the transaction'} of {tx.date}; syncs will not bring it back.
          </td>
        </tr>,
      );
    return c.redirect(
      withFlash(`/accounts/${account.id}`, 'ok', 'Transaction deleted; syncs will not bring it back.'),
    );
  });
}

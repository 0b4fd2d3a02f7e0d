/** An account's page: its balance and actions, the balance chart, the transactions, its settings. */
import type { Account, LedgerTransaction } from '../../../store/index.js';
import type { BalanceRule } from '../../../store/schema.js';
import { formatMoney } from '../../../money.js';
import { BalanceChart } from '../../components/chart.js';
import { KindSelect } from '../../components/link-form.js';
import { HeadWithActions } from '../../components/table.js';
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import { PAGE_SIZE, type AccountView, type TransactionFilters } from './loaders.js';

const RULES: { value: BalanceRule; label: string }[] = [
  { value: 'as_reported', label: 'As the bank reports it' },
  { value: 'negate', label: 'Flip the sign' },
  { value: 'owed_positive', label: 'Amount owed as a positive number' },
];

function Summary({ v, csrf }: { v: AccountView; csrf: string }) {
  const { account, latest, filters: f } = v;
  return (
    <>
      <p>
        Balance: <strong class="money">{formatMoney(latest?.current_minor, account.currency)}</strong>
        {latest?.available_minor !== null && latest?.available_minor !== undefined && (
          <> · available {formatMoney(latest.available_minor, account.currency)}</>
        )}{' '}
        · last sync {formatTimestamp(account.last_sync_at, v.timeZone)}
        {account.last_sync_outcome && (
          <span class={`pill ${account.last_sync_outcome}`}>{account.last_sync_outcome}</span>
        )}
      </p>
      {account.last_sync_error && <p class="flash error">{account.last_sync_error}</p>}
      <div class="actions">
        <form method="post" action="/sync" class="inline">
          <CsrfField token={csrf} />
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
    </>
  );
}

function BalanceSection({ v }: { v: AccountView }) {
  return (
    <section aria-labelledby="chart-h">
      <h2 id="chart-h">Balance history</h2>
      <BalanceChart currency={v.account.currency} points={v.history} />
      {v.history.some((p) => p.derived) && (
        <p class="muted" id="derived-note">
          Dashed: balances before the first sync, worked out backwards from the first balance through the
          posted transactions (not reported by the bank).
        </p>
      )}
    </section>
  );
}

function FilterForm({ accountId, f }: { accountId: string; f: TransactionFilters }) {
  return (
    <form
      method="get"
      action={`/accounts/${accountId}`}
      class="card grid2"
      role="search"
      hx-get={`/accounts/${accountId}`}
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
  );
}

function TransactionRow({ accountId, t, csrf }: { accountId: string; t: LedgerTransaction; csrf: string }) {
  const action = `/accounts/${accountId}/transactions/${t.id}/delete`;
  return (
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
          action={action}
          class="inline"
          hx-post={action}
          hx-target="closest tr"
          hx-swap="outerHTML"
          hx-confirm="Delete this transaction? Later syncs will not bring it back."
        >
          <CsrfField token={csrf} />
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
  );
}

function TransactionTable({ v, csrf }: { v: AccountView; csrf: string }) {
  const { rows, total, filters: f } = v;
  const filtered = Boolean(f.q || f.from || f.to || f.status !== 'all');
  return (
    <table class="responsive" id="transactions">
      <caption>
        {total} transaction{total === 1 ? '' : 's'}
      </caption>
      <HeadWithActions>
        <th scope="col">Date</th>
        <th scope="col">Description</th>
        <th scope="col" class="num">
          Amount
        </th>
        <th scope="col">Status</th>
      </HeadWithActions>
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
          <TransactionRow accountId={v.account.id} t={t} csrf={csrf} />
        ))}
      </tbody>
    </table>
  );
}

function Pager({ f, total }: { f: TransactionFilters; total: number }) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const qs = (p: number) =>
    `?${new URLSearchParams({ q: f.q ?? '', status: f.status, from: f.from ?? '', to: f.to ?? '', page: String(p) }).toString()}`;
  return (
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
  );
}

function TransactionsSection({ v, csrf }: { v: AccountView; csrf: string }) {
  return (
    <section aria-labelledby="tx-h" id="tx-section">
      <h2 id="tx-h">Transactions</h2>
      <FilterForm accountId={v.account.id} f={v.filters} />
      {!v.filtersOk && <p class="flash error">Some filters were not understood and were ignored.</p>}
      <TransactionTable v={v} csrf={csrf} />
      <Pager f={v.filters} total={v.total} />
    </section>
  );
}

function SettingsSection({ account, csrf }: { account: Account; csrf: string }) {
  return (
    <section aria-labelledby="settings-h">
      <h2 id="settings-h">Settings of this account</h2>
      <form method="post" action={`/accounts/${account.id}/settings`} class="card grid2">
        <CsrfField token={csrf} />
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
          <CsrfField token={csrf} />
          <p class="muted">Unlinking stops syncing this account; its history stays here.</p>
          <button type="submit" class="danger">
            Unlink from the bank account
          </button>
        </form>
      )}
    </section>
  );
}

export function AccountPage({ v, csrf }: { v: AccountView; csrf: string }) {
  return (
    <>
      <Summary v={v} csrf={csrf} />
      <BalanceSection v={v} />
      <TransactionsSection v={v} csrf={csrf} />
      <SettingsSection account={v.account} csrf={csrf} />
    </>
  );
}

/** What replaces a deleted transaction's row when htmx asked. */
export function DeletedRow({ t }: { t: LedgerTransaction }) {
  return (
    <tr>
      <td colspan={5} role="status">
        Deleted {t.description ?? 'the transaction'} of {t.date}; syncs will not bring it back.
      </td>
    </tr>
  );
}

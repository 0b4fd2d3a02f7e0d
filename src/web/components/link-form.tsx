/** Choosing which provider accounts to link, each with its name, kind and currency. */
import type { ProviderAccountListing } from '../../store/index.js';
import { linkDefaults } from '../../store/accounts.js';
import type { AccountKind } from '../../store/schema.js';
import { CsrfField } from '../layout.js';
import { formatMoney } from '../../money.js';

export const KIND_OPTIONS: { value: AccountKind; label: string }[] = [
  { value: 'depository', label: 'Checking or savings' },
  { value: 'credit_card', label: 'Credit card' },
  { value: 'investment', label: 'Investment' },
  { value: 'loan', label: 'Loan or mortgage' },
];

export function KindSelect({ name, value, label }: { name: string; value: string; label: string }) {
  return (
    <label>
      {label}
      <select name={name}>
        {KIND_OPTIONS.map((k) => (
          <option value={k.value} selected={k.value === value}>
            {k.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LinkForm(props: {
  connectionId: string;
  providerAccounts: ProviderAccountListing[];
  countryCode: string | null;
  csrf: string;
  /** The family's unlinked accounts, which a provider account may continue. */
  existing?: { id: string; name: string; currency: string; previousSophtronAccountId?: string | null }[];
}) {
  const unlinked = props.providerAccounts.filter((p) => !p.account);
  const linked = props.providerAccounts.filter((p) => p.account);
  return (
    <form method="post" action={`/connections/${props.connectionId}/link`} class="card" id="link-form">
      <CsrfField token={props.csrf} />
      <h2>Choose the accounts to link</h2>
      {unlinked.length === 0 && <p>Every account of this bank login is linked already.</p>}
      {unlinked.map((pa) => {
        const d = linkDefaults(pa, props.countryCode);
        return (
          <fieldset class="card">
            <legend>
              <label class="check">
                <input type="checkbox" name="link" value={pa.id} checked /> {pa.name}
                {pa.number_mask ? ` (${pa.number_mask})` : ''}
                {pa.raw_type ? ` · ${pa.raw_type}` : ''}
                {pa.balance_minor !== null ? ` · ${formatMoney(pa.balance_minor, d.currency)}` : ''}
              </label>
            </legend>
            <div class="grid2">
              <label>
                Name in Sophtron Sync
                <input name={`name_${pa.id}`} value={d.name} required />
              </label>
              <KindSelect name={`kind_${pa.id}`} value={d.kind} label="Kind" />
              <label>
                Currency (ISO code; Sophtron sends only "{pa.currency_hint ?? 'nothing'}")
                <input
                  name={`currency_${pa.id}`}
                  value={d.currency}
                  required
                  pattern="[A-Za-z]{3}"
                  maxlength={3}
                />
              </label>
              <label>
                First day to read (optional)
                <input name={`start_${pa.id}`} type="date" />
              </label>
              {(props.existing?.length ?? 0) > 0 && (
                <label>
                  Link to
                  <select name={`into_${pa.id}`}>
                    <option value="">A new account (the choices above)</option>
                    {props.existing!.map((a) => (
                      // The account this bank account fed before is the default: its history continues.
                      <option value={a.id} selected={a.previousSophtronAccountId === pa.sophtron_account_id}>
                        Existing account “{a.name}” ({a.currency}, keeps its history and choices)
                      </option>
                    ))}
                  </select>
                </label>
              )}
            </div>
          </fieldset>
        );
      })}
      {linked.length > 0 && (
        <p class="muted">Already linked: {linked.map((p) => `${p.name} → ${p.account!.name}`).join(', ')}</p>
      )}
      {unlinked.length > 0 && <button type="submit">Link the chosen accounts</button>}
    </form>
  );
}

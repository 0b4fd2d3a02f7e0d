/** The accounts step: which linked accounts to import, and the Firefly III account each goes to. */
import type { FireflyAccount } from '../../../../destinations/firefly/client.js';
import type { ProviderAccountListing } from '../../../../store/index.js';
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { flashFrom, page } from '../../../render.js';
import type { AccountsStep } from '../loaders.js';
import { base } from '../shared.js';
import { FireflyProblem, Steps } from './components.js';

export const accountsPage = (c: Ctx, d: ImportDraft, { listings, ff, assetLike }: AccountsStep) =>
  page(
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
          {listings.map((p) => (
            <AccountChoice d={d} p={p} assetLike={assetLike} />
          ))}
          <button type="submit">Next: dates</button>
        </form>
      )}
    </>,
    { flash: flashFrom(c) },
  );

/** One linked account: ticked when chosen (or when nothing is chosen yet), with its target. */
function AccountChoice({
  d,
  p,
  assetLike,
}: {
  d: ImportDraft;
  p: ProviderAccountListing;
  assetLike: FireflyAccount[];
}) {
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
}

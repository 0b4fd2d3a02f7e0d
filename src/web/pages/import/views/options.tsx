/** The options step: Firefly III's rules and webhooks, tags, pending transactions, mapping. */
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { page } from '../../../render.js';
import { base } from '../shared.js';
import { ConfigDownload, Steps } from './components.js';

const check = (name: string, checked: boolean, label: string) => (
  <label class="check">
    <input type="checkbox" name={name} checked={checked} /> {label}
  </label>
);

export function optionsPage(c: Ctx, d: ImportDraft) {
  const cfg = d.config;
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
}

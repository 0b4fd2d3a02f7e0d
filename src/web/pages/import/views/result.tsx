/** The result step: the delivery's counts, warnings, errors and balance check, and the way on. */
import { describeComparison } from '../../../../destinations/firefly/balance-check.js';
import type { DeliveryResult } from '../../../../destinations/firefly/deliver.js';
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { page } from '../../../render.js';
import { base } from '../shared.js';
import { Steps } from './components.js';

export function resultPage(c: Ctx, d: ImportDraft, r: DeliveryResult) {
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
            Nothing new to send: every transaction of these accounts and dates was delivered before, or there
            is none.
          </p>
        )}
      <Counts r={r} />
      <Problems warnings={warnings} errors={r.errors} />
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
}

function Counts({ r }: { r: DeliveryResult }) {
  return (
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
            (changed at the bank too; what you changed in Firefly III — description, category, notes, tags,
            other party — was kept)
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
  );
}

function Problems({ warnings, errors }: { warnings: string[]; errors: DeliveryResult['errors'] }) {
  return (
    <>
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
      {errors.length > 0 && (
        <section>
          <h2>Errors</h2>
          <ul>
            {errors.slice(0, 100).map((e) => (
              <li>{e.message}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

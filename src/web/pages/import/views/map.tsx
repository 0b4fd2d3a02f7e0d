/** The map step: send the transactions with each other party to a chosen Firefly III account. */
import type { FireflyAccount } from '../../../../destinations/firefly/client.js';
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { page } from '../../../render.js';
import type { MapStep } from '../loaders.js';
import { base } from '../shared.js';
import { ConfigDownload, FireflyProblem, Steps } from './components.js';

export const mapPage = (c: Ctx, d: ImportDraft, { ff, targets, current, sorted }: MapStep) =>
  page(
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
              <PartyRow name={name} count={count} i={i} targets={targets} current={current} />
            ))}
          </tbody>
        </table>
        <button type="submit">Next: deliver</button>
      </form>
    </>,
  );

function PartyRow(props: {
  name: string;
  count: number;
  i: number;
  targets: FireflyAccount[];
  current: Record<string, number>;
}) {
  const { name, count, i, targets, current } = props;
  return (
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
  );
}

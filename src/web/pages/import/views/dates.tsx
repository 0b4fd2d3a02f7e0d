/** The dates step: everything, the last so many days/weeks/months/years, or between two dates. */
import type { FidiConfig } from '../../../../destinations/firefly/fidi-config.js';
import type { Ctx } from '../../../context.js';
import type { ImportDraft } from '../../../import/drafts.js';
import { CsrfField } from '../../../layout.js';
import { flashFrom, page } from '../../../render.js';
import { base } from '../shared.js';
import { Steps } from './components.js';

export const datesPage = (c: Ctx, d: ImportDraft) =>
  page(
    c,
    'Import: dates',
    <>
      <Steps current={2} />
      <form method="post" action={`${base(d)}/dates`} class="card narrow">
        <CsrfField token={c.var.csrf} />
        <DateRange cfg={d.config} />
        <button type="submit">Next: options</button>
      </form>
    </>,
    { flash: flashFrom(c) },
  );

function DateRange({ cfg }: { cfg: FidiConfig }) {
  return (
    <fieldset>
      <legend>Which transactions?</legend>
      <label class="check">
        <input type="radio" name="date_range" value="all" checked={cfg.date_range === 'all'} /> Everything
        since each account's first day
      </label>
      <label class="check">
        <input type="radio" name="date_range" value="partial" checked={cfg.date_range === 'partial'} /> The
        last…
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
        <input type="radio" name="date_range" value="range" checked={cfg.date_range === 'range'} /> Between
        two dates
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
  );
}

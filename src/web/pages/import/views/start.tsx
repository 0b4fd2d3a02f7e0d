/** The wizard's first page: start fresh, or from a configuration file. */
import type { Ctx } from '../../../context.js';
import { CsrfField } from '../../../layout.js';
import { flashFrom, page } from '../../../render.js';
import { Steps } from './components.js';

export const startPage = (c: Ctx) =>
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
  );

/**
 * POST /autoimport, like the data importer's: runs an import configuration (the request body, or
 * the multipart field `json`) when AUTO_IMPORT_SECRET matches (`?secret=` or the
 * `X-Auto-Import-Secret` header; constant-time). Unset secret: the endpoint does not exist.
 * With several families, `?family=<id>` says whose; one family needs no parameter.
 */
import { FidiConfigError, parseFidiConfig } from '../../destinations/firefly/fidi-config.js';
import { safeEqual } from '../auth/tokens.js';
import type { WebApp } from '../context.js';
import { ImportRunError, runImportNow } from '../import/run.js';

export function registerAutoImport(app: WebApp): void {
  app.post('/autoimport', async (c) => {
    const { config, store } = c.var.deps;
    const expected = config.autoImportSecret;
    if (!expected) return c.json({ error: 'not found' }, 404);
    const given = c.req.header('x-auto-import-secret') ?? c.req.query('secret') ?? '';
    if (!safeEqual(expected, given)) return c.json({ error: 'wrong or missing secret' }, 401);

    const families = await store.listFamilies();
    const wanted = c.req.query('family');
    const family = wanted
      ? families.find((f) => f.id === wanted)
      : families.length === 1
        ? families[0]
        : undefined;
    if (!family)
      return c.json(
        { error: wanted ? 'family: not found' : 'family: several families exist; add ?family=<id>' },
        400,
      );

    let text: string;
    const type = c.req.header('content-type') ?? '';
    if (type.startsWith('multipart/form-data')) {
      const body = await c.req.parseBody();
      const f = body.json;
      text = f instanceof File ? await f.text() : typeof f === 'string' ? f : '';
    } else {
      text = await c.req.text();
    }
    if (!text.trim()) return c.json({ error: 'body: send the import configuration (JSON)' }, 400);
    let fidi;
    try {
      fidi = parseFidiConfig(text);
    } catch (err) {
      return c.json({ error: err instanceof FidiConfigError ? err.problems.join('; ') : String(err) }, 400);
    }
    try {
      const summary = await runImportNow(c.var.deps, family.id, fidi, {
        sync: c.req.query('sync') !== 'false',
        overBudget: c.req.query('overBudget') === 'true',
        trigger: 'import',
      });
      return c.json(summary);
    } catch (err) {
      if (err instanceof ImportRunError) return c.json(err.body(), err.status);
      throw err;
    }
  });
}

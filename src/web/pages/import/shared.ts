/** Small pieces every step of the import wizard uses: its addresses, its "not found", error text. */
import type { Ctx } from '../../context.js';
import type { ImportDraft } from '../../import/drafts.js';
import { messagePage } from '../../render.js';

/** Where a draft's steps live: `/import/<id>/<step>`. */
export const base = (d: ImportDraft) => `/import/${d.id}`;

/** After the sync step: the mapping step when the options ask for it, else straight to delivery. */
export const afterSync = (d: ImportDraft) =>
  d.config.map_all_data ? `${base(d)}/map` : `${base(d)}/deliver`;

export const notFound = (c: Ctx) =>
  messagePage(c, 'Not found', 'This import is not open (it expired or belongs to another session).', 404);

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

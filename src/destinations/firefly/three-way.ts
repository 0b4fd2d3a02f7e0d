/**
 * The three-way update of a delivered transaction (pure): the bank changed it, and the person may
 * have edited it in Firefly III since we sent it. For each field a person edits there (description,
 * category, notes, the other party), we remember what we sent (the base). A field goes out only
 * where the bank's value moved away from the base AND Firefly still holds the base; where Firefly
 * holds something else, that is the person's edit and it is kept. Amount, dates, accounts and the
 * "pending" tag are the bank's facts and always follow it (not handled here). Budgets are never
 * sent, and tags only gain or lose "pending", so those edits are kept as they are.
 */
import type { TransactionSplitBody } from './client.js';

export const EDITABLE_FIELDS = ['description', 'category', 'notes', 'counterparty'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
export type EditableValues = Record<EditableField, string | null>;

/** The split key of the other party: the expense account of a withdrawal, the revenue one of a deposit. */
function counterpartyKey(type: string | undefined): 'destination_name' | 'source_name' | null {
  if (type === 'withdrawal') return 'destination_name';
  if (type === 'deposit') return 'source_name';
  return null;
}

const norm = (v: string | null | undefined): string | null => (v === undefined || v === '' ? null : v);

/** The editable values of a split we send, or of one Firefly shows us (same keys). */
export function editableValues(split: Partial<TransactionSplitBody>): EditableValues {
  const key = counterpartyKey(split.type);
  return {
    description: norm(split.description),
    category: norm(split.category_name),
    notes: norm(split.notes),
    counterparty: key ? norm(split[key]) : null,
  };
}

export function parseSentFields(json: string | null): EditableValues | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<Record<EditableField, unknown>>;
    const out = {} as EditableValues;
    for (const f of EDITABLE_FIELDS) out[f] = typeof v[f] === 'string' ? v[f] : null;
    return out;
  } catch {
    return null;
  }
}

/** Whether the bank changed a field a person may have edited: only then Firefly's values are needed. */
export function bankChangedEditable(base: EditableValues | null, ours: EditableValues): boolean {
  return base !== null && EDITABLE_FIELDS.some((f) => ours[f] !== base[f]);
}

export interface EditMerge {
  /** Fields whose bank value goes out. */
  send: Set<EditableField>;
  /** Fields the person edited in Firefly that the bank also changed: kept as the person left them. */
  kept: EditableField[];
  /** The base for the next update: what Firefly now holds from us. */
  nextBase: EditableValues;
}

/**
 * `base` null: nothing known of what was sent (a row delivered before the base was recorded):
 * everything follows the bank, as it always did. `theirs` null: Firefly's values were not needed
 * (no editable field changed at the bank).
 */
export function mergeEdits(
  base: EditableValues | null,
  theirs: EditableValues | null,
  ours: EditableValues,
): EditMerge {
  if (base === null) return { send: new Set(EDITABLE_FIELDS), kept: [], nextBase: ours };
  const send = new Set<EditableField>();
  const kept: EditableField[] = [];
  const nextBase = { ...base };
  for (const f of EDITABLE_FIELDS) {
    if (ours[f] === base[f]) continue;
    if (theirs === null || theirs[f] === base[f]) {
      send.add(f);
      nextBase[f] = ours[f];
    } else {
      kept.push(f);
    }
  }
  return { send, kept, nextBase };
}

/** The update's split without the editable fields that must not go out. */
export function withoutUnsent(
  split: Partial<TransactionSplitBody>,
  send: Set<EditableField>,
): Partial<TransactionSplitBody> {
  const out = { ...split };
  if (!send.has('description')) delete out.description;
  // A value the bank no longer has is cleared in Firefly, not left behind.
  if (!send.has('category')) delete out.category_name;
  else out.category_name ??= null;
  if (!send.has('notes')) delete out.notes;
  else out.notes ??= null;
  const key = counterpartyKey(split.type);
  if (key && !send.has('counterparty')) delete out[key];
  return out;
}

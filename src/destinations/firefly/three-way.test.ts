/**
 * The three-way rule, for any base, Firefly state and bank state: a person's edit is never
 * overwritten, a field nobody touched follows the bank, and merging again changes nothing.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { EDITABLE_FIELDS, mergeEdits, withoutUnsent, type EditableValues } from './three-way.js';

const value = fc.constantFrom(null, 'a', 'b', 'c');
const values = fc.record({
  description: value,
  category: value,
  notes: value,
  counterparty: value,
}) as fc.Arbitrary<EditableValues>;

/** What Firefly holds after the update: the fields sent take the bank's value, the others stay. */
const after = (theirs: EditableValues, ours: EditableValues, send: Set<string>): EditableValues => {
  const out = { ...theirs };
  for (const f of EDITABLE_FIELDS) if (send.has(f)) out[f] = ours[f];
  return out;
};

it('never overwrites an edit, follows the bank where nobody edited, and settles', () => {
  fc.assert(
    fc.property(values, values, values, (base, theirs, ours) => {
      const m = mergeEdits(base, theirs, ours);
      const now = after(theirs, ours, m.send);
      for (const f of EDITABLE_FIELDS) {
        if (theirs[f] !== base[f])
          expect(now[f]).toBe(theirs[f]); // the person's edit stays
        else expect(now[f]).toBe(ours[f]); // untouched: the bank's value
        expect(m.kept.includes(f)).toBe(theirs[f] !== base[f] && ours[f] !== base[f]);
      }
      // The next run with the same bank values sends nothing and keeps what it kept.
      const again = mergeEdits(m.nextBase, now, ours);
      expect(again.send.size).toBe(0);
    }),
  );
});

it('sends everything when nothing is known of what was sent (rows delivered before)', () => {
  fc.assert(
    fc.property(values, values, (theirs, ours) => {
      const m = mergeEdits(null, theirs, ours);
      expect([...m.send].sort()).toEqual([...EDITABLE_FIELDS].sort());
      expect(m.nextBase).toEqual(ours);
    }),
  );
});

it('leaves out the fields not sent, and clears the ones the bank emptied', () => {
  const split = { type: 'withdrawal' as const, amount: '1.00', description: 'x', destination_name: 'Shop' };
  expect(withoutUnsent(split, new Set(['notes']))).toEqual({
    type: 'withdrawal',
    amount: '1.00',
    notes: null,
  });
  expect(withoutUnsent(split, new Set(['description', 'counterparty']))).toEqual(split);
});

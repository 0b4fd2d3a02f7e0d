/** Words for a delivery's updates, the same in the command line, the web and the API. */

/**
 * "3 updated from the bank (amount and dates follow the bank); kept your edit in 1": an update
 * never overwrites a description, category, notes, tags or other party edited in Firefly III.
 */
export function keptEditLine(updated: number, keptEdits: number): string {
  const kept = keptEdits
    ? `; kept your edit in ${keptEdits} (what you changed in Firefly III stays; see the README)`
    : '';
  return `${updated} updated from the bank (amount and dates follow the bank)${kept}`;
}

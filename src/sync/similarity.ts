/**
 * How alike two bank descriptions are, for pairing a pending transaction with the posted one that
 * replaced it. Banks rewrite the text on posting ("POS PENDING AMAZON MKTPLACE" becomes
 * "AMAZON MKTPLACE PMTS AMZN.COM/BILL WA 11/21"), so we compare words, not strings: digits (card,
 * store and reference numbers, dates) and words that only say how the card was used are dropped, and
 * a truncated word still matches its full form.
 */
const NOISE = new Set([
  'pending',
  'pos',
  'purchase',
  'debit',
  'credit',
  'card',
  'checkcard',
  'visa',
  'mastercard',
  'ach',
  'authorized',
  'auth',
  'on',
  'the',
  'at',
  'of',
  'transaction',
  'temp',
  'hold',
]);

export function descriptionTokens(text: string | null | undefined): string[] {
  if (!text) return [];
  const words = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/);
  return [...new Set(words.filter((w) => w.length > 1 && !/\d/.test(w) && !NOISE.has(w)))].sort();
}

const sameWord = (a: string, b: string) =>
  a === b || (Math.min(a.length, b.length) >= 4 && (a.startsWith(b) || b.startsWith(a)));

/**
 * Overlap coefficient of the two word sets, in [0, 1]: the share of the shorter description's words
 * found in the other (pending texts are often the shorter, truncated one). Unknown (either side has
 * no words) is 0.5: neither evidence for nor against, leaving amount and date to decide.
 */
export function descriptionSimilarity(a: string | null | undefined, b: string | null | undefined): number {
  const ta = descriptionTokens(a);
  const tb = descriptionTokens(b);
  if (ta.length === 0 || tb.length === 0) return 0.5;
  const [short, long] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  const hits = short.filter((w) => long.some((v) => sameWord(w, v))).length;
  return hits / short.length;
}

/** The least similarity at which a posted transaction may replace a pending one. */
export const MIN_MERGE_SIMILARITY = 0.5;

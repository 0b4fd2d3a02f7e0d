/**
 * Deterministic randomness and calendar-day helpers. The sandbox must give the same data for the
 * same seed on every machine, so it never touches Math.random.
 */

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for fake bank data. Returns numbers in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts, so a seed can be derived from names (stable across runs and orderings). */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${String(part)}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

export const randInt = (rng: Rng, min: number, max: number): number =>
  min + Math.floor(rng() * (max - min + 1));

export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex32 = (n: number) => HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;

/** A version-4-shaped GUID drawn from the generator (table-driven: data generation makes tens of thousands). */
export function guid(rng: Rng): string {
  const a = hex32(Math.floor(rng() * 0x100000000));
  const b = hex32(Math.floor(rng() * 0x100000000));
  const c = hex32(Math.floor(rng() * 0x100000000));
  const d = hex32(Math.floor(rng() * 0x100000000));
  const variant = '89ab'[parseInt(c[0]!, 16) & 3]!;
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

// --- calendar days: whole days since 1970-01-01 (UTC), the sandbox's only notion of date ---

const DAY_MS = 86_400_000;
export const dayOf = (d: Date): number => Math.floor(d.getTime() / DAY_MS);
export const dayFromIso = (ymd: string): number => Math.floor(Date.parse(`${ymd}T00:00:00Z`) / DAY_MS);

const ymdCache = new Map<number, string>();
/** `YYYY-MM-DD` of a day number (cached: the same few thousand days are formatted over and over). */
export function ymd(day: number): string {
  let s = ymdCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    ymdCache.set(day, s);
  }
  return s;
}
/** .NET's zone-less ISO form, as Sophtron is believed to send dates. */
export const netDate = (day: number): string => `${ymd(day)}T00:00:00`;
export const weekday = (day: number): number => (day + 4) % 7; // 1970-01-01 was a Thursday
export const dayOfMonth = (day: number): number => new Date(day * DAY_MS).getUTCDate();

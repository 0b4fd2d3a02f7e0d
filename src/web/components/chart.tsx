/** A balance history as an inline SVG line, drawn on the server (no script, no CDN). */
import { formatMoney } from '../../money.js';

// Drawing units: the SVG scales to the page's width, so a phone sees text at about 11 px.
const W = 400;
const H = 160;
const PAD_X = 8;
const PAD_TOP = 22;
const PAD_BOTTOM = 22;

export function BalanceChart({
  points,
  currency,
}: {
  /** derived: worked out from transactions (drawn dashed), not reported by the bank. */
  points: { at: string; minor: number; derived?: boolean }[];
  currency: string;
}) {
  if (points.length < 2) return <p class="muted">The chart appears after the first sync.</p>;
  const xs = points.map((p) => Date.parse(p.at));
  const ys = points.map((p) => p.minor);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const flat = y0 === y1;
  const bottom = H - PAD_BOTTOM;
  const sx = (x: number) => PAD_X + ((x - x0) / Math.max(1, x1 - x0)) * (W - 2 * PAD_X);
  // An unchanged balance is a line across the middle, not one lying on the axis.
  const sy = (y: number) =>
    flat ? (PAD_TOP + bottom) / 2 : bottom - ((y - y0) / (y1 - y0)) * (bottom - PAD_TOP);
  const xy = (i: number) => `${sx(xs[i]!).toFixed(1)},${sy(points[i]!.minor).toFixed(1)}`;
  // Derived points come first; their dashed line runs up to the first reported balance.
  const derivedCount = points.filter((p) => p.derived).length;
  const path = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => `${k ? 'L' : 'M'}${xy(from + k)}`).join(' ');
  const dDerived = derivedCount > 0 ? path(0, Math.min(points.length, derivedCount + 1)) : '';
  const d = path(derivedCount, points.length);
  const first = formatMoney(ys[0], currency);
  const last = formatMoney(ys[ys.length - 1], currency);
  const derivedNote =
    derivedCount > 0
      ? `; before ${points[derivedCount]?.at.slice(0, 10) ?? 'the first sync'} derived from the transactions (dashed)`
      : '';
  const label = flat
    ? `Balance unchanged at ${last} over ${points.length} ${derivedCount > 0 ? 'days' : 'syncs'}${derivedNote}`
    : `Balance from ${first} to ${last}; lowest ${formatMoney(y0, currency)}, highest ${formatMoney(y1, currency)}${derivedNote}`;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <line class="axis" x1={PAD_X} y1={bottom} x2={W - PAD_X} y2={bottom} />
      {dDerived && <path class="line derived" d={dDerived} />}
      {d.includes('L') && <path class="line" d={d} />}
      {flat ? (
        <text x={PAD_X} y={sy(y0) - 6}>
          {last} (unchanged)
        </text>
      ) : (
        <>
          <text x={PAD_X} y={PAD_TOP - 8}>
            highest {formatMoney(y1, currency)}
          </text>
          <text x={W - PAD_X} y={PAD_TOP - 8} text-anchor="end">
            lowest {formatMoney(y0, currency)}
          </text>
        </>
      )}
      <text x={PAD_X} y={H - 6}>
        {points[0]!.at.slice(0, 10)}
      </text>
      <text x={W - PAD_X} y={H - 6} text-anchor="end">
        {points[points.length - 1]!.at.slice(0, 10)}
      </text>
    </svg>
  );
}

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
  points: { at: string; minor: number }[];
  currency: string;
}) {
  if (points.length < 2) return <p class="muted">The chart appears after two or more syncs.</p>;
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
  const d = points
    .map((p, i) => `${i ? 'L' : 'M'}${sx(xs[i]!).toFixed(1)},${sy(p.minor).toFixed(1)}`)
    .join(' ');
  const first = formatMoney(ys[0], currency);
  const last = formatMoney(ys[ys.length - 1], currency);
  const label = flat
    ? `Balance unchanged at ${last} over ${points.length} syncs`
    : `Balance from ${first} to ${last}; lowest ${formatMoney(y0, currency)}, highest ${formatMoney(y1, currency)}`;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <line class="axis" x1={PAD_X} y1={bottom} x2={W - PAD_X} y2={bottom} />
      <path class="line" d={d} />
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

/** A balance history as an inline SVG line, drawn on the server (no script, no CDN). */
import { formatMoney } from '../time.js';

export function BalanceChart({
  points,
  currency,
}: {
  points: { at: string; minor: number }[];
  currency: string;
}) {
  if (points.length < 2) return <p class="muted">The chart appears after two or more syncs.</p>;
  const W = 600;
  const H = 200;
  const pad = 30;
  const xs = points.map((p) => Date.parse(p.at));
  const ys = points.map((p) => p.minor);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => pad + ((x - x0) / Math.max(1, x1 - x0)) * (W - 2 * pad);
  const sy = (y: number) => H - pad - ((y - y0) / Math.max(1, y1 - y0)) * (H - 2 * pad);
  const d = points
    .map((p, i) => `${i ? 'L' : 'M'}${sx(xs[i]!).toFixed(1)},${sy(p.minor).toFixed(1)}`)
    .join(' ');
  const label = `Balance from ${formatMoney(ys[0], currency)} to ${formatMoney(ys[ys.length - 1], currency)}`;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <line class="axis" x1={pad} y1={H - pad} x2={W - pad} y2={H - pad} />
      <line class="axis" x1={pad} y1={pad} x2={pad} y2={H - pad} />
      <path class="line" d={d} />
      <text x={pad} y={pad - 8}>
        {formatMoney(y1, currency)}
      </text>
      <text x={pad} y={H - 8}>
        {formatMoney(y0, currency)} · {points[0]!.at.slice(0, 10)} to{' '}
        {points[points.length - 1]!.at.slice(0, 10)}
      </text>
    </svg>
  );
}

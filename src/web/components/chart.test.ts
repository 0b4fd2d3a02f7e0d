import { describe, expect, it } from 'vitest';
import { BalanceChart } from './chart.js';

const render = (points: { at: string; minor: number }[]) => String(BalanceChart({ points, currency: 'USD' }));

describe('balance chart', () => {
  it('waits for a history', () => {
    expect(render([{ at: '2026-11-01T00:00:00Z', minor: 100 }])).toContain('after the first sync');
  });

  it('draws derived balances dashed up to the first reported one, and says so', () => {
    const svg = String(
      BalanceChart({
        currency: 'USD',
        points: [
          { at: '2026-09-01T12:00:00Z', minor: 500, derived: true },
          { at: '2026-10-01T12:00:00Z', minor: 900, derived: true },
          { at: '2026-11-01T08:00:00Z', minor: 700 },
        ],
      }),
    );
    expect(svg).toMatch(/<path class="line derived" d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/);
    expect(svg).not.toMatch(/<path class="line" /);
    expect(svg).toContain('before 2026-11-01 derived from the transactions (dashed)');
  });

  it('draws an unchanged balance across the middle and says it is unchanged', () => {
    const svg = render([
      { at: '2026-11-01T00:00:00Z', minor: 12_345 },
      { at: '2026-11-02T00:00:00Z', minor: 12_345 },
    ]);
    expect(svg).toContain('$123.45 (unchanged)');
    expect(svg).toContain('aria-label="Balance unchanged at $123.45 over 2 syncs"');
    // Both points at the same height, halfway between the top and the axis (not on the axis).
    const [, y1, y2] = /M[\d.]+,([\d.]+) L[\d.]+,([\d.]+)/.exec(svg)!;
    expect(y1).toBe(y2);
    const axis = Number(/<line class="axis" x1="\d+" y1="(\d+)"/.exec(svg)![1]);
    expect(Number(y1)).toBeLessThan(axis - 20);
  });

  it('labels the highest and lowest balance and the first and last day', () => {
    const svg = render([
      { at: '2026-11-01T00:00:00Z', minor: -500 },
      { at: '2026-11-05T00:00:00Z', minor: 2_000 },
      { at: '2026-11-09T00:00:00Z', minor: 1_000 },
    ]);
    expect(svg).toContain('highest $20.00');
    expect(svg).toContain('lowest -$5.00');
    expect(svg).toContain('2026-11-01');
    expect(svg).toContain('2026-11-09');
    expect(svg).toContain('aria-label="Balance from -$5.00 to $10.00; lowest -$5.00, highest $20.00"');
  });
});

/** `npm run health` (scripts/health.ts): what it counts, on small known texts. */
import { describe, expect, it } from 'vitest';
import { LIMITS, measure, measureTree, suiteTime } from '../scripts/health.js';

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('health', () => {
  it('counts long functions by name, dividers, and citations of documents the repository lacks', () => {
    const text = [
      '// see docs/design.md for the layers; sophtron-api.md §4 for the wire',
      `export function long(): void {\n${body(LIMITS.functionLines - 1)}\n}`,
      `const short = () => {\n${body(3)}\n};`,
      '// --- section ---',
      `export const arrow = async () => {\n${body(LIMITS.functionLines)}\n};`,
    ].join('\n');
    const h = measure('src/x.ts', text, new Set(['design.md']));
    expect(h.longFunctions.map((f) => [f.name, f.lines])).toEqual([
      ['long', LIMITS.functionLines + 1],
      ['arrow', LIMITS.functionLines + 2],
    ]);
    expect(h.dividers).toEqual([{ file: 'src/x.ts', line: LIMITS.functionLines + 8 }]);
    expect(h.foreignCitations).toEqual([{ file: 'src/x.ts', line: 1, document: 'sophtron-api.md' }]);
    expect(h.longFiles).toEqual([]);
  });

  it('reads only the sources of src/, not their tests, and finds long files', () => {
    const big = `${body(LIMITS.fileLines + 1)}\n`;
    const h = measureTree(['src/a.ts', 'src/a.test.ts', 'test/b.ts', 'README.md'], () => big);
    expect(h.longFiles).toEqual([{ file: 'src/a.ts', lines: LIMITS.fileLines + 1 }]);
  });

  it("gives the suite's wall time and its slowest files from vitest's JSON report", () => {
    const t = suiteTime(
      {
        startTime: 1000,
        testResults: [
          { name: '/repo/test/a.test.ts', startTime: 1100, endTime: 4100 },
          { name: '/repo/src/b.test.ts', startTime: 1200, endTime: 9000 },
        ],
      },
      '/repo',
    );
    expect(t.wallMs).toBe(8000);
    expect(t.files).toEqual([
      { file: 'src/b.test.ts', ms: 7800 },
      { file: 'test/a.test.ts', ms: 3000 },
    ]);
  });
});

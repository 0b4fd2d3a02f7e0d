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

  it('finds route handlers of src/web over the limit: written in place, named, forwarded to, and register… functions', () => {
    const long = body(LIMITS.handlerLines);
    const text = [
      `export function registerThingPages(app: WebApp): void {`,
      `  app.get('/inline', async (c) => {\n${long}\n  });`,
      `  app.post('/named', saveThing);`,
      `  app.post('/forwarded', (c) => startThing(c, 1));`,
      `  app.get('/short', (c) => c.text('ok'));`,
      `}`,
      `async function saveThing(c: Ctx) {\n${long}\n}`,
      `function startThing(c: Ctx, n: number) {\n${long}\n}`,
      `function notAHandler() {\n${long}\n}`,
      `export function registerShort(app: WebApp) {\n  app.use(short);\n}`,
      `const short = async (c: Ctx) => c.text('ok');`,
    ].join('\n');
    const h = measure('src/web/pages/thing.tsx', text, new Set());
    const n = LIMITS.handlerLines + 2;
    expect(h.longHandlers.map((f) => [f.name, f.lines])).toEqual([
      ['registerThingPages', n + 5], // the inline handler and five lines of its own
      ['(callback of app.get)', n],
      ['saveThing', n],
      ['startThing', n],
    ]);
    // Outside src/web there are no route handlers to count.
    expect(measure('src/sync/thing.ts', text, new Set()).longHandlers).toEqual([]);
  });

  it("finds long files that do not say why on their first line ('// Long because: …')", () => {
    const big = body(LIMITS.unexplainedFileLines + 1);
    const files: Record<string, string> = {
      'src/unexplained.ts': `/** A header, but no reason. */\n${big}`,
      'src/explained.ts': `// Long because: one table of every wire shape, split it and readers hop between files.\n${big}`,
      'src/block.ts': `/** Long because: the fixtures of one bank read best together. */\n${big}`,
      'src/empty-reason.ts': `// Long because:\n${big}`,
      'src/second-line.ts': `/** A header. */\n// Long because: too late to count.\n${big}`,
      'src/short.ts': body(LIMITS.unexplainedFileLines - 1),
    };
    const h = measureTree(Object.keys(files), (f) => files[f]!);
    expect(h.unexplainedLongFiles.map((f) => f.file).sort()).toEqual([
      'src/empty-reason.ts',
      'src/second-line.ts',
      'src/unexplained.ts',
    ]);
    // They still count as files over the plain limit: the reason explains, it does not hide.
    expect(h.longFiles.map((f) => f.file)).toContain('src/explained.ts');
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

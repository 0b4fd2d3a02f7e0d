/**
 * `npm run bench`: runs every scenario in bench/scenarios (or those named on the command line) and
 * prints their figures. Benchmarks measure; they never fail a build on timing.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  figures: Record<string, string | number>;
}

const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.bench.ts')).sort();
if (files.length === 0) console.log('no benchmark scenarios yet');
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  if (only.length && !only.includes(name)) continue;
  const mod = (await import(new URL(`./scenarios/${f}`, import.meta.url).href)) as {
    run: () => Promise<BenchResult | BenchResult[]>;
  };
  const results = [await mod.run()].flat();
  for (const r of results) {
    console.log(`\n## ${r.name}`);
    for (const [k, v] of Object.entries(r.figures)) console.log(`  ${k.padEnd(40)} ${v}`);
  }
}

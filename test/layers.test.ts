/**
 * `npm run lint` holds src/ to its layers (eslint/layers.js): an upward import, an import
 * between neighbours of one floor, an import circle, and a file in no layer each fail, with a message naming both files;
 * and the ledger stays behind src/store/: a database driver, Kysely or a `.db` handle elsewhere fails too.
 * The project's own ESLint configuration lints a small tree written to a temp dir.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;

const files: Record<string, string> = {
  'src/domain/types.ts': 'export type Day = string;\n',
  'src/sync/run.ts':
    "import type { Day } from '../domain/types.js';\nexport const run = (d: Day): Day => d;\n",
  'src/store/ok.ts':
    "import type { Day } from '../domain/types.js';\nexport const keep = (d: Day): Day => d;\n",
  'src/store/upward.ts': "import { run } from '../sync/run.js';\nexport const bad = run;\n",
  'src/sophtron/sideways.ts': "import { keep } from '../store/ok.js';\nexport const bad = keep;\n",
  'src/web/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
  'src/web/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a ? 1 : 0);\n",
  'src/elsewhere/c.ts': 'export const c = 1;\n',
  'src/store/query.ts': "import type { Kysely } from 'kysely';\nexport type Handle = Kysely<object>;\n",
  'src/sync/query.ts': "import type { Kysely } from 'kysely';\nexport type Handle = Kysely<object>;\n",
  'src/web/driver.ts': "import pg from 'pg';\nexport const Pool = pg.Pool;\n",
  'src/destinations/peek.ts': 'export const peek = (store: { db: unknown }): unknown => store.db;\n',
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problems(): Promise<Map<string, string[]>> {
  const eslint = new ESLint({ cwd: dir, overrideConfigFile: resolve('eslint.config.js') });
  const out = new Map<string, string[]>();
  for (const r of await eslint.lintFiles(['src'])) {
    const rel = r.filePath.slice(dir.length + 1);
    const layered = r.messages.filter((m) => m.ruleId?.startsWith('layers/')).map((m) => m.message);
    const ledger = r.messages.filter((m) => m.ruleId?.startsWith('no-restricted-')).map((m) => m.message);
    if (ledger.length) out.set(`${rel} (ledger)`, ledger);
    out.set(rel, layered);
  }
  return out;
}

describe('layering lint', () => {
  it('fails an upward import, an import between neighbours, and a circle; passes a downward import', async () => {
    const found = await problems();
    expect(found.get('src/store/ok.ts')).toEqual([]);
    expect(found.get('src/sync/run.ts')).toEqual([]);
    expect(found.get('src/store/upward.ts')).toEqual([
      expect.stringContaining('src/store/upward.ts (store) imports src/sync/run.ts (sync), a layer above it'),
    ]);
    expect(found.get('src/sophtron/sideways.ts')).toEqual([
      expect.stringContaining('(sophtron) imports src/store/ok.ts (store), a neighbour on its own floor'),
    ]);
    expect(found.get('src/web/a.ts')).toEqual([expect.stringContaining('import each other')]);
    expect(found.get('src/web/b.ts')).toEqual([expect.stringContaining('import each other')]);
    expect(found.get('src/elsewhere/c.ts')).toEqual([expect.stringContaining('belongs to no layer')]);
  });

  it('keeps the ledger behind src/store/: Kysely, a driver or a .db handle elsewhere fails', async () => {
    const found = await problems();
    expect(found.get('src/store/query.ts (ledger)')).toBeUndefined();
    expect(found.get('src/sync/query.ts (ledger)')).toEqual([
      expect.stringContaining("kysely is the store's"),
    ]);
    expect(found.get('src/web/driver.ts (ledger)')).toEqual([expect.stringContaining("pg is the store's")]);
    expect(found.get('src/destinations/peek.ts (ledger)')).toEqual([
      expect.stringContaining("database handle (.db) is the store's own"),
    ]);
  });
});

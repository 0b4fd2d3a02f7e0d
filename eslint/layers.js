/**
 * The direction of imports in src/, as one table, checked by ESLint (`npm run lint`):
 * entry points (cli, web, scheduler) → app / simplefin → sync / destinations → store / sophtron → domain.
 * A module may import its own layer or any layer below; never one above, never a neighbour on its
 * own floor (sync ↛ destinations, store ↛ sophtron), and no module takes part in an import circle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Floors, top first. A path belongs to the first layer with a prefix of it. */
export const LAYERS = [
  { name: 'cli', floor: 7, paths: ['src/cli/'] },
  { name: 'web', floor: 6, paths: ['src/web/'] },
  { name: 'scheduler', floor: 5, paths: ['src/scheduler/'] },
  { name: 'app', floor: 4, paths: ['src/app/'] },
  // SimpleFIN serves the ledger (and may start a sync): beside app, under the ways in that mount it.
  { name: 'simplefin', floor: 4, paths: ['src/simplefin/'] },
  { name: 'sync', floor: 3, paths: ['src/sync/'] },
  { name: 'destinations', floor: 3, paths: ['src/destinations/'] },
  // The sandbox is a Sophtron server: it may share the client's wire rules (signing), nothing above.
  { name: 'sandbox', floor: 2, paths: ['src/sandbox/'] },
  { name: 'store', floor: 1, paths: ['src/store/'] },
  { name: 'sophtron', floor: 1, paths: ['src/sophtron/'] },
  {
    name: 'domain',
    floor: 0,
    paths: [
      'src/domain/',
      'src/http/',
      'src/dates.ts',
      'src/money.ts',
      'src/sleep.ts',
      'src/log.ts',
      'src/config.ts',
      'src/database-url.ts',
    ],
  },
];

/** Known crossings still to remove, each with its reason; a new one is not added here but fixed. */
export const EXCEPTIONS = [];

const ORDER = [...new Set(LAYERS.map((l) => l.floor))]
  .sort((a, b) => b - a)
  .map((floor) =>
    LAYERS.filter((l) => l.floor === floor)
      .map((l) => l.name)
      .join(' | '),
  )
  .join(' > ');

/** The layer of a path relative to the repository root, or null outside the table (tests, bench). */
export function layerOf(relPath) {
  const p = relPath.split(path.sep).join('/');
  return LAYERS.find((l) => l.paths.some((prefix) => p === prefix || p.startsWith(prefix))) ?? null;
}

/** Why `from` may not import `to` (both relative to the root), or null when it may. */
export function layerProblem(from, to) {
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a || !b || a === b) return null;
  if (a.floor > b.floor) return null;
  if (EXCEPTIONS.some((e) => e.from === from && e.to === to)) return null;
  const how = a.floor === b.floor ? 'a neighbour on its own floor' : 'a layer above it';
  return `${from} (${a.name}) imports ${to} (${b.name}), ${how}; imports run downward: ${ORDER}`;
}

const SOURCE = /\.(ts|tsx)$/;
const IMPORT = /(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

/** `./x.js` from a file → the .ts/.tsx file it names (relative to root), or null. */
function resolve(root, fromRel, spec) {
  const base = path.join(path.dirname(path.join(root, fromRel)), spec).replace(/\.js$/, '');
  for (const ext of ['.ts', '.tsx']) {
    if (existsSync(base + ext))
      return path
        .relative(root, base + ext)
        .split(path.sep)
        .join('/');
  }
  return null;
}

function sourceFiles(root, dir) {
  const out = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (SOURCE.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(rel);
  }
  return out;
}

/** Every file of src/ that sits on an import circle, with the others of its circle (Tarjan). */
export function circlesOf(root) {
  const graph = new Map();
  for (const f of sourceFiles(root, 'src')) {
    const text = readFileSync(path.join(root, f), 'utf8');
    const targets = new Set();
    for (const m of text.matchAll(IMPORT)) {
      const t = resolve(root, f, m[1] ?? m[2]);
      if (t) targets.add(t);
    }
    graph.set(f, targets);
  }
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const circleOf = new Map();
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const members = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      members.push(w);
    } while (w !== v);
    if (members.length > 1) for (const m of members) circleOf.set(m, members);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circleOf;
}

function importSources(context, check) {
  const visit = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node, node.source.value);
  };
  return {
    ImportDeclaration: visit,
    ExportNamedDeclaration: visit,
    ExportAllDeclaration: visit,
    ImportExpression: visit,
  };
}

const rootOf = (context) => context.cwd ?? process.cwd();
const relOf = (context) => path.relative(rootOf(context), context.filename).split(path.sep).join('/');

const direction = {
  meta: { type: 'problem', docs: { description: 'imports run downward through the layers' }, schema: [] },
  create(context) {
    const from = relOf(context);
    if (!from.startsWith('src/')) return {};
    if (!layerOf(from)) {
      return {
        Program(node) {
          context.report({
            node,
            message: `${from} belongs to no layer: give its folder a floor in eslint/layers.js`,
          });
        },
      };
    }
    return importSources(context, (node, spec) => {
      if (!spec.startsWith('.')) return;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec.replace(/\.js$/, '')));
      const target = resolve(rootOf(context), from, spec) ?? to;
      const problem = layerProblem(from, target);
      if (problem) context.report({ node: node.source, message: problem });
    });
  },
};

const circlesByRoot = new Map();
const noCircle = {
  meta: { type: 'problem', docs: { description: 'no import circles in src/' }, schema: [] },
  create(context) {
    const from = relOf(context);
    if (!from.startsWith('src/')) return {};
    const root = rootOf(context);
    if (!circlesByRoot.has(root)) circlesByRoot.set(root, circlesOf(root));
    const circle = circlesByRoot.get(root).get(from);
    if (!circle) return {};
    return importSources(context, (node, spec) => {
      if (!spec.startsWith('.')) return;
      const target = resolve(rootOf(context), from, spec);
      if (target && circle.includes(target)) {
        context.report({
          node: node.source,
          message: `${from} and ${target} import each other (circle: ${circle.join(' → ')}); move what both need below them`,
        });
      }
    });
  },
};

export default { rules: { direction, 'no-circle': noCircle } };

/**
 * `npm run health [vitest-report.json]`: the figures a reader trips over, measured from the tree as
 * it stands: files of src/ over 300 lines, functions over 60 lines, `// ---` dividers (a file that
 * wants splitting), comments citing documents this repository does not hold, and, given vitest's
 * JSON report (test-output/vitest-report.json after `npm test`), the suite's time and its slowest
 * files. A report, never a gate: it always exits 0.
 *
 * Two figures hold the web's shape (a page is a loader, view components and thin routes):
 * - route handlers of src/web over 80 lines. A handler is a function passed to `app.get`,
 *   `app.post` (any route method, `use` and `on` too), either written there or named there and
 *   declared in the same file; a handler that only forwards to a function of its file
 *   (`(c) => start(c, tasks)`) is measured by that function; and every `register…` function
 *   (`registerSyncPages`, `registerDashboard`), which grows with the routes written inside it.
 * - files of src/ over 400 lines whose first line does not say why they are long. The marker is a
 *   first line `// Long because: <one line>` (or the same in a block comment, `/** Long because: …`),
 *   above the file's usual header comment: a long file is then a choice a reader can judge.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import ts from 'typescript';

export const LIMITS = { fileLines: 300, functionLines: 60, handlerLines: 80, unexplainedFileLines: 400 };

/** The first line that says why a file is long (see the header). */
export const LONG_BECAUSE = /^\s*(\/\/|\/\*\*?)\s*Long because:\s*\S/;

interface Span {
  file: string;
  line: number;
  name: string;
  lines: number;
}

export interface Health {
  longFiles: { file: string; lines: number }[];
  /** Over LIMITS.unexplainedFileLines with no LONG_BECAUSE first line. */
  unexplainedLongFiles: { file: string; lines: number }[];
  longFunctions: Span[];
  /** Route handlers and register… functions of src/web over LIMITS.handlerLines. */
  longHandlers: Span[];
  dividers: { file: string; line: number }[];
  foreignCitations: { file: string; line: number; document: string }[];
}

const empty = (): Health => ({
  longFiles: [],
  unexplainedLongFiles: [],
  longFunctions: [],
  longHandlers: [],
  dividers: [],
  foreignCitations: [],
});

const isSource = (f: string) => /^src\/.*\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f);

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name)
    return node.name.getText();
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isCallExpression(parent))
    return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'all', 'options', 'on', 'use']);

/** The functions of a file that handle routes (see the header), each once. */
function handlers(sf: ts.SourceFile): ts.FunctionLikeDeclaration[] {
  const named = new Map<string, ts.FunctionLikeDeclaration>();
  const passed: ts.Expression[] = [];
  const registers: ts.FunctionLikeDeclaration[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionDeclaration(node) && node.name && node.body) {
      named.set(node.name.text, node);
      if (/^register[A-Z]/.test(node.name.text)) registers.push(node);
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = node.initializer;
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) named.set(node.name.text, init);
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.expression.getText(sf) === 'app' &&
      ROUTE_METHODS.has(node.expression.name.text)
    )
      passed.push(...node.arguments);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const found = new Set<ts.FunctionLikeDeclaration>(registers);
  for (const arg of passed) {
    if (ts.isIdentifier(arg)) {
      const fn = named.get(arg.text);
      if (fn) found.add(fn);
    } else if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) {
      found.add(arg);
      // `(c) => start(c, tasks)`: the work is in `start`.
      const call = ts.isCallExpression(arg.body) ? arg.body : null;
      const target = call && ts.isIdentifier(call.expression) ? named.get(call.expression.text) : undefined;
      if (target) found.add(target);
    }
  }
  return [...found];
}

function span(sf: ts.SourceFile, file: string, node: ts.FunctionLikeDeclaration): Span {
  const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
  const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
  return { file, line: start + 1, name: functionName(node), lines: end - start + 1 };
}

/** Measures one file's text; `known` holds the base names of every document in the repository. */
export function measure(file: string, text: string, known: Set<string>): Health {
  const lines = text.split('\n');
  const out = empty();
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  if (count > LIMITS.fileLines) out.longFiles.push({ file, lines: count });
  if (count > LIMITS.unexplainedFileLines && !LONG_BECAUSE.test(lines[0] ?? ''))
    out.unexplainedLongFiles.push({ file, lines: count });
  lines.forEach((l, i) => {
    if (/^\s*\/\/\s*-{3,}/.test(l)) out.dividers.push({ file, line: i + 1 });
    const comment = /(\/\/|\/\*|^\s*\*)(.*)$/.exec(l)?.[2];
    for (const m of comment?.matchAll(/\b([\w.-]+\.md)\b/g) ?? []) {
      if (!known.has(m[1]!)) out.foreignCitations.push({ file, line: i + 1, document: m[1]! });
    }
  });
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const s = span(sf, file, node as ts.FunctionLikeDeclaration);
      if (s.lines > LIMITS.functionLines) out.longFunctions.push(s);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (file.startsWith('src/web/')) {
    for (const fn of handlers(sf)) {
      const s = span(sf, file, fn);
      if (s.lines > LIMITS.handlerLines) out.longHandlers.push(s);
    }
    out.longHandlers.sort((a, b) => a.line - b.line);
  }
  return out;
}

export function measureTree(files: string[], read: (f: string) => string): Health {
  const known = new Set(files.filter((f) => f.endsWith('.md')).map((f) => basename(f)));
  const all = empty();
  for (const f of files.filter(isSource)) {
    const h = measure(f, read(f), known);
    all.longFiles.push(...h.longFiles);
    all.unexplainedLongFiles.push(...h.unexplainedLongFiles);
    all.longFunctions.push(...h.longFunctions);
    all.longHandlers.push(...h.longHandlers);
    all.dividers.push(...h.dividers);
    all.foreignCitations.push(...h.foreignCitations);
  }
  all.longFiles.sort((a, b) => b.lines - a.lines);
  all.unexplainedLongFiles.sort((a, b) => b.lines - a.lines);
  all.longFunctions.sort((a, b) => b.lines - a.lines);
  all.longHandlers.sort((a, b) => b.lines - a.lines);
  return all;
}

interface VitestReport {
  startTime: number;
  testResults: { name: string; startTime: number; endTime: number }[];
}

/** Wall time of the run and the slowest files, from vitest's JSON report. */
export function suiteTime(report: VitestReport, cwd: string) {
  const files = report.testResults.map((r) => ({
    file: r.name.startsWith(`${cwd}/`) ? r.name.slice(cwd.length + 1) : r.name,
    ms: r.endTime - r.startTime,
  }));
  const end = Math.max(...report.testResults.map((r) => r.endTime));
  return { wallMs: end - report.startTime, files: files.sort((a, b) => b.ms - a.ms) };
}

function main(): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && existsSync(f));
  const h = measureTree(files, (f) => readFileSync(f, 'utf8'));
  const top = (n: number) => (process.argv.includes('--all') ? Infinity : n);
  console.log(`files over ${LIMITS.fileLines} lines: ${h.longFiles.length}`);
  for (const f of h.longFiles.slice(0, top(15))) console.log(`  ${String(f.lines).padStart(5)}  ${f.file}`);
  console.log(`functions over ${LIMITS.functionLines} lines: ${h.longFunctions.length}`);
  for (const f of h.longFunctions.slice(0, top(15)))
    console.log(`  ${String(f.lines).padStart(5)}  ${f.file}:${f.line} ${f.name}`);
  console.log(`route handlers in src/web over ${LIMITS.handlerLines} lines: ${h.longHandlers.length}`);
  for (const f of h.longHandlers.slice(0, top(15)))
    console.log(`  ${String(f.lines).padStart(5)}  ${f.file}:${f.line} ${f.name}`);
  console.log(
    `files over ${LIMITS.unexplainedFileLines} lines without a first line '// Long because: …': ${h.unexplainedLongFiles.length}`,
  );
  for (const f of h.unexplainedLongFiles.slice(0, top(15)))
    console.log(`  ${String(f.lines).padStart(5)}  ${f.file}`);
  console.log(`'// ---' dividers: ${h.dividers.length}`);
  for (const d of h.dividers.slice(0, top(10))) console.log(`         ${d.file}:${d.line}`);
  console.log(`comments citing documents not in this repository: ${h.foreignCitations.length}`);
  for (const c of h.foreignCitations.slice(0, top(10)))
    console.log(`         ${c.file}:${c.line} ${c.document}`);
  const reportPath = process.argv.slice(2).find((a) => a.endsWith('.json'));
  if (reportPath) {
    const t = suiteTime(JSON.parse(readFileSync(reportPath, 'utf8')) as VitestReport, process.cwd());
    console.log(`suite: ${(t.wallMs / 1000).toFixed(1)} s wall, ${t.files.length} files; slowest:`);
    for (const f of t.files.slice(0, top(10)))
      console.log(`  ${(f.ms / 1000).toFixed(1).padStart(6)} s  ${f.file}`);
  }
  if (!process.argv.includes('--all')) console.log('(--all lists every entry)');
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();

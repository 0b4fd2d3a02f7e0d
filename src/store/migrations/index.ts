/**
 * Every migration, by name; Kysely runs them in name order. Modules add theirs here:
 * 00xx ledger and sync, 01xx Firefly III, 02xx web, 03xx scheduler and notifications.
 * A static list (not a folder scan) works the same from TypeScript sources and from dist/.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_ledger.js';

export const migrations: Record<string, Migration> = {
  '0001_ledger': m0001,
};

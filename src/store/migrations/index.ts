/**
 * Every migration, by name; Kysely runs them in name order. Modules add theirs here:
 * 00xx ledger and sync, 01xx Firefly III, 02xx web, 03xx scheduler and notifications.
 * A static list (not a folder scan) works the same from TypeScript sources and from dist/.
 * Migrations run on SQLite and PostgreSQL: money, sequences and ids use `bigintType(db)` and
 * `autoIdColumn(db)` from ./columns.ts (plain `integer` is 32 bits on PostgreSQL).
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_ledger.js';
import * as m0002 from './0002_ledger_store.js';
import * as m0010 from './0010_sync_indexes.js';
import * as m0011 from './0011_tombstone_facts.js';
import * as m0100 from './0100_firefly.js';
import * as m0110 from './0110_firefly_sent_fields.js';
import * as m0120 from './0120_firefly_paired_with.js';
import * as m0200 from './0200_web.js';
import * as m0300 from './0300_scheduler.js';
import * as m0400 from './0400_simplefin.js';
import * as m0220 from './0220_login_throttle.js';
import * as m0520 from './0520_import_drafts.js';
import * as m0540 from './0540_live_web_state.js';

export const migrations: Record<string, Migration> = {
  '0001_ledger': m0001,
  '0002_ledger_store': m0002,
  '0010_sync_indexes': m0010,
  '0011_tombstone_facts': m0011,
  '0100_firefly': m0100,
  '0110_firefly_sent_fields': m0110,
  '0200_web': m0200,
  '0300_scheduler': m0300,
  '0400_simplefin': m0400,
  '0220_login_throttle': m0220,
  '0520_import_drafts': m0520,
  '0540_live_web_state': m0540,
  '0120_firefly_paired_with': m0120,
};

/**
 * The scheduled "files" destination: after a sync, write what is new since the last delivery into a
 * folder, one file per format. The cursor (export_cursors, per family, format and folder) moves
 * only after the file is in place; a crash in between repeats those rows in the next file, never
 * skips them (and OFX importers drop the repeat by FITID).
 */
import { resolve, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { exportLedger, writeFileAtomic, type ExportFormat } from './index.js';

export interface FolderDestination {
  folder: string;
  formats: ExportFormat[];
}

export interface FolderDelivery {
  files: string[];
  transactionCount: number;
}

export const cursorKey = (format: ExportFormat, folder: string): string =>
  `files:${format}:${resolve(folder)}`;

export async function readCursor(db: Kysely<Database>, familyId: string, key: string): Promise<number> {
  const row = await db
    .selectFrom('export_cursors')
    .select('change_seq')
    .where('family_id', '=', familyId)
    .where('destination', '=', key)
    .executeTakeFirst();
  return row?.change_seq ?? 0;
}

async function writeCursor(db: Kysely<Database>, familyId: string, key: string, seq: number, now: Date) {
  await db
    .insertInto('export_cursors')
    .values({ family_id: familyId, destination: key, change_seq: seq, updated_at: now.toISOString() })
    .onConflict((oc) =>
      oc
        .columns(['family_id', 'destination'])
        .doUpdateSet({ change_seq: seq, updated_at: now.toISOString() }),
    )
    .execute();
}

const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export async function deliverToFolder(
  db: Kysely<Database>,
  familyId: string,
  destination: FolderDestination,
  now: Date = new Date(),
): Promise<FolderDelivery> {
  const files: string[] = [];
  let transactionCount = 0;
  for (const format of destination.formats) {
    const key = cursorKey(format, destination.folder);
    const after = await readCursor(db, familyId, key);
    const result = await exportLedger(db, familyId, format, { afterChangeSeq: after, now });
    if (result.maxChangeSeq === null) continue;
    const file = join(
      resolve(destination.folder),
      `sophtron-sync-${familyId.slice(0, 8)}-${stamp(now)}.${format}`,
    );
    await writeFileAtomic(file, result.content);
    await writeCursor(db, familyId, key, result.maxChangeSeq, now);
    files.push(file);
    transactionCount = Math.max(transactionCount, result.transactionCount);
  }
  return { files, transactionCount };
}

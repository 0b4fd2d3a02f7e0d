/**
 * The scheduled "files" destination: after a sync, write what is new since the last delivery into a
 * folder, one file per format. The cursor (export_cursors, per family, format and folder) moves
 * only after the file is in place; a crash in between repeats those rows in the next file, never
 * skips them (and OFX importers drop the repeat by FITID).
 */
import { resolve, join } from 'node:path';
import type { Store } from '../../store/index.js';
import { exportLedger, writeFileAtomic, type ExportFormat, type ExportStore } from './index.js';

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

/** What a folder delivery reads and writes of the store: the export and its cursors. */
export type FolderStore = ExportStore & Pick<Store, 'exportCursor' | 'saveExportCursor'>;

const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export async function deliverToFolder(
  store: FolderStore,
  familyId: string,
  destination: FolderDestination,
  now: Date = new Date(),
): Promise<FolderDelivery> {
  const files: string[] = [];
  let transactionCount = 0;
  for (const format of destination.formats) {
    const key = cursorKey(format, destination.folder);
    const after = await store.exportCursor(familyId, key);
    const result = await exportLedger(store, familyId, format, { afterChangeSeq: after, now });
    if (result.maxChangeSeq === null) continue;
    const file = join(
      resolve(destination.folder),
      `sophtron-sync-${familyId.slice(0, 8)}-${stamp(now)}.${format}`,
    );
    await writeFileAtomic(file, result.content);
    await store.saveExportCursor(familyId, key, result.maxChangeSeq, now);
    files.push(file);
    transactionCount = Math.max(transactionCount, result.transactionCount);
  }
  return { files, transactionCount };
}

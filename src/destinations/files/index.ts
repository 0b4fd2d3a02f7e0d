/**
 * File exports (CSV, OFX, JSON) of the ledger: the one entry point for the CLI, the web download
 * route and the scheduled folder destination.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toCsv } from './csv.js';
import { toJsonExport } from './json.js';
import { toOfx } from './ofx.js';
import { loadExportData, type ExportFilter, type ExportStore } from './query.js';

export { CSV_HEADER, safeCell } from './csv.js';
export {
  ExportFilterError,
  loadExportData,
  type ExportData,
  type ExportFilter,
  type ExportStore,
} from './query.js';

export const EXPORT_FORMATS = ['csv', 'ofx', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ofx: 'application/x-ofx; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface ExportResult {
  format: ExportFormat;
  content: string;
  transactionCount: number;
  accountCount: number;
  maxChangeSeq: number | null;
}

export interface ExportOptions extends ExportFilter {
  /** OFX only: include pending transactions (left out by default). */
  includePending?: boolean;
  now?: Date;
}

export async function exportLedger(
  store: ExportStore,
  familyId: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const data = await loadExportData(store, familyId, options);
  const now = options.now ?? new Date();
  const content =
    format === 'csv'
      ? toCsv(data)
      : format === 'ofx'
        ? toOfx(data, { includePending: options.includePending, now })
        : toJsonExport(data, options, now);
  return {
    format,
    content,
    transactionCount: data.transactions.length,
    accountCount: data.accounts.length,
    maxChangeSeq: data.maxChangeSeq,
  };
}

/** Writes a file whole or not at all (temporary file + rename), so a reader never sees half an export. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

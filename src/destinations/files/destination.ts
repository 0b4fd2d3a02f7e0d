/**
 * The "files" destination: after a scheduled sync, what is new since its last delivery is written
 * into a folder, one file per format (folder.ts).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Destination } from '../destination.js';
import { deliverToFolder } from './folder.js';
import { EXPORT_FORMATS, type ExportFormat } from './index.js';

export const filesOptions = z.object({
  folder: z.string().trim().min(1, 'folder is required'),
  formats: z.array(z.enum(EXPORT_FORMATS)).min(1, 'at least one format').default(['csv']),
});

export const filesDestination: Destination<z.output<typeof filesOptions>> = {
  name: 'files',
  label: 'Files in a folder',
  deliveryTitle: 'File export',
  options: filesOptions,
  describe: (o) => (o ? `${o.formats.join(', ')} into ${o.folder}` : 'no folder set'),
  async deliver(familyId, options, ctx) {
    const r = await deliverToFolder(ctx.store, familyId, options, ctx.now);
    return {
      message: r.files.length
        ? `${r.transactionCount} transactions into ${r.files.length} file(s)`
        : 'nothing new',
    };
  },
  cli: {
    flags: [
      { flags: '--folder <dir>', description: 'files: the folder to write into' },
      {
        flags: '--format <formats>',
        description: `files: ${EXPORT_FORMATS.join(', ')} (comma-separated)`,
        defaultValue: 'csv',
      },
    ],
    // An absolute path: a worker may run from another folder than the command.
    options: (flags) =>
      typeof flags.folder === 'string'
        ? {
            folder: resolve(flags.folder),
            formats: String(flags.format ?? 'csv')
              .split(',')
              .map((f) => f.trim()) as ExportFormat[],
          }
        : undefined,
  },
};

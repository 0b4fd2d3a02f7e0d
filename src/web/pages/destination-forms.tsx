/**
 * The Schedule page's part of the deliveries form for destinations that need more than on/off:
 * Firefly III (an uploaded import configuration) and files (a folder under the family's exports
 * folder, formats). A destination of the registry without an entry here gets an on/off checkbox
 * and its description; its options are set from the command line.
 *
 * From the web, a folder destination is a sub-folder of DATA_DIR/exports/<family>: a web user
 * must not make the server write anywhere it can (the CLI, run by the operator, may).
 */
import { resolve, sep } from 'node:path';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import type { Destination } from '../../destinations/destination.js';
import { EXPORT_FORMATS } from '../../destinations/files/index.js';
import { FidiConfigError, parseFidiConfig } from '../../destinations/firefly/fidi-config.js';
import type { ScheduleDestination } from '../../scheduler/schedules.js';
import { parseForm } from '../forms.js';

export function exportsRoot(dataDir: string, familyId: string): string {
  return resolve(dataDir, 'exports', familyId);
}

/** A sub-folder name typed in the page → a folder under the family's exports root, or null. */
export function webFolder(dataDir: string, familyId: string, sub: string): string | null {
  const root = exportsRoot(dataDir, familyId);
  const target = resolve(root, sub.trim() || '.');
  return target === root || target.startsWith(root + sep) ? target : null;
}

export interface FieldsProps {
  destination: Destination;
  saved: ScheduleDestination | null;
  dataDir: string;
  familyId: string;
}

/** The posted deliveries form: its fields, and its files (uploads). */
export interface PostedDestinations {
  fields: Record<string, string | string[]>;
  files: Record<string, unknown>;
  dataDir: string;
  familyId: string;
}

/** Options from the form; `options` undefined keeps the saved ones; `error` is shown as it is. */
export type PostedOptions = { options?: unknown } | { error: string };

interface DestinationForm {
  Fields(props: FieldsProps): Child;
  options(posted: PostedDestinations): Promise<PostedOptions>;
}

const firefly: DestinationForm = {
  Fields: ({ saved }) => (
    <>
      <label class="check">
        <input type="checkbox" name="firefly" checked={!!saved?.enabled} /> Firefly III (the connection in
        Settings)
      </label>
      <p class="hint" id="ff-config">
        {typeof saved?.options.configFile === 'string' ? (
          <>
            Which accounts go where: the import configuration file <code>{saved.options.configFile}</code>{' '}
            (set from the command line).
          </>
        ) : saved?.options.config ? (
          <>
            Which accounts go where: the saved import configuration{' '}
            <strong>{String(saved.options.configName ?? 'import_config.json')}</strong>.
          </>
        ) : (
          <>Which accounts go where: every linked account, with the options in Settings.</>
        )}
      </p>
      <label>
        Import configuration (JSON from the <a href="/import">Import to Firefly III</a> wizard's download, or
        from the data importer)
        <input type="file" name="import_config" accept="application/json,.json" />
      </label>
      {!!(saved?.options.config || saved?.options.configFile) && (
        <label class="check">
          <input type="checkbox" name="forget_config" /> Stop using it: deliver every linked account
        </label>
      )}
    </>
  ),
  // An uploaded import configuration is kept with the destination; none keeps the current one.
  async options({ fields, files }) {
    const upload = files.import_config;
    if (upload instanceof File && upload.size > 0) {
      if (upload.size > 1_000_000) return { error: 'Import configuration: larger than 1 MB' };
      try {
        return {
          options: { config: parseFidiConfig(await upload.text()), configName: upload.name.slice(0, 200) },
        };
      } catch (err) {
        const msg = err instanceof FidiConfigError ? err.problems.join('; ') : String(err);
        return { error: `Import configuration: ${msg}` };
      }
    }
    return fields.forget_config !== undefined ? { options: {} } : {};
  },
};

const filesForm = z.object({
  folder: z.string().trim().max(200).optional().default(''),
  formats: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.enum(EXPORT_FORMATS))),
});

const files: DestinationForm = {
  Fields({ saved, dataDir, familyId }) {
    const root = exportsRoot(dataDir, familyId);
    const folder = typeof saved?.options.folder === 'string' ? saved.options.folder : '';
    const sub = folder.startsWith(root) ? folder.slice(root.length).replace(/^[/\\]/, '') : '';
    const formats = Array.isArray(saved?.options.formats) ? (saved.options.formats as string[]) : ['csv'];
    return (
      <>
        <label class="check">
          <input type="checkbox" name="files" checked={!!saved?.enabled} /> Files in a folder: only what is
          new since the last delivery
        </label>
        <label>
          Folder under <code>{root}</code> <input name="folder" value={sub} placeholder="(this folder)" />
        </label>
        {EXPORT_FORMATS.map((f) => (
          <label class="check">
            <input type="checkbox" name="formats" value={f} checked={formats.includes(f)} /> {f.toUpperCase()}
          </label>
        ))}
      </>
    );
  },
  async options({ fields, dataDir, familyId }) {
    const parsed = parseForm(filesForm, fields, { folder: 'Folder', formats: 'Formats' });
    if (!parsed.ok) return { error: parsed.error };
    const folder = webFolder(dataDir, familyId, parsed.data.folder);
    if (!folder) return { error: 'Folder: must stay inside the exports folder' };
    return { options: { folder, formats: parsed.data.formats.length ? parsed.data.formats : ['csv'] } };
  },
};

/** Any other destination: on or off; its options come from the command line. */
const generic: DestinationForm = {
  Fields: ({ destination, saved }) => (
    <label class="check">
      <input type="checkbox" name={destination.name} checked={!!saved?.enabled} /> {destination.label}
    </label>
  ),
  options: () => Promise.resolve({}),
};

const FORMS: Record<string, DestinationForm> = { firefly, files };

export const destinationForm = (name: string): DestinationForm => FORMS[name] ?? generic;

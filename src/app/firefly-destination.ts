/**
 * The "firefly" destination: after a scheduled sync, what changed goes into Firefly III with the
 * family's connection. An import configuration saved with it (or a file it names) decides which
 * accounts go where, like the data importer's; it runs as an import without a sync (import.ts),
 * which is why this destination sits in the app layer rather than beside the Firefly client.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Destination } from '../destinations/destination.js';
import { fidiConfigSchema, parseFidiConfig } from '../destinations/firefly/fidi-config.js';
import { deliverToFirefly, fireflyClientFor } from '../destinations/firefly/index.js';
import { NothingToImportError, runImportConfiguration } from './import.js';

export const fireflyOptions = z
  .object({
    /** An import configuration file read at each delivery (the CLI's `--config`). */
    configFile: z.string().trim().min(1).optional(),
    /**
     * An import configuration saved with the destination (uploaded on the Schedule page): only its
     * known keys are kept, so nothing else a file carries is stored.
     */
    config: z.object(fidiConfigSchema.shape).optional(),
    /** The uploaded file's name, to show. */
    configName: z.string().trim().max(200).optional(),
  })
  .refine((o) => !(o.configFile && o.config), {
    message: 'either a configuration file or a saved configuration, not both',
    path: ['config'],
  });

export type FireflyOptions = z.output<typeof fireflyOptions>;

/** Refuses an import configuration file when it is named, rather than at 5 a.m. */
function checkImportConfig(file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`--config: cannot read ${file}`);
  }
  try {
    parseFidiConfig(text);
  } catch (err) {
    throw new Error(`--config ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const fireflyDestination: Destination<FireflyOptions> = {
  name: 'firefly',
  label: 'Firefly III',
  deliveryTitle: 'Delivery to Firefly III',
  options: fireflyOptions,
  describe(o) {
    if (o?.configFile) return `with the import configuration file ${o.configFile}`;
    if (o?.config) return `with the saved import configuration ${o.configName ?? '(uploaded)'}`;
    return 'every linked account';
  },
  async deliver(familyId, o, { store, config, lockHeldBy }) {
    const name = o.configName ?? o.configFile ?? 'the import configuration';
    // The scheduler has just synced, so this only delivers. Without a configuration: the family's
    // saved options, every linked account.
    const importConfig = o.config
      ? fidiConfigSchema.parse(o.config)
      : o.configFile
        ? parseFidiConfig(readFileSync(o.configFile, 'utf8'))
        : null;
    const r = importConfig
      ? (
          await runImportConfiguration(
            {
              store,
              client: (await fireflyClientFor(store, familyId, config)).client,
              concurrency: config.fireflyConcurrency,
            },
            familyId,
            importConfig,
            { trigger: 'schedule', pending: config.fireflyPending, ...(lockHeldBy ? { lockHeldBy } : {}) },
          ).catch((err: unknown) => {
            throw err instanceof NothingToImportError ? new Error(`${name}: ${err.message}`) : err;
          })
        ).delivery
      : await deliverToFirefly(store, familyId, config, lockHeldBy ? { lockHeldBy } : {});
    if (r.aborted) throw new Error(r.aborted);
    if (r.failed > 0)
      throw new Error(`${r.failed} transactions not delivered: ${r.errors[0]?.message ?? 'see the log'}`);
    return { message: `created ${r.created}, updated ${r.updated} in Firefly III` };
  },
  cli: {
    flags: [
      {
        flags: '--config <file>',
        description: 'firefly: an import configuration file (data importer JSON) to deliver with',
      },
      {
        flags: '--no-config',
        description: 'firefly: stop using an import configuration (deliver every linked account)',
      },
    ],
    options(flags) {
      if (typeof flags.config === 'string') {
        checkImportConfig(flags.config);
        // An absolute path: a worker may run from another folder than the command.
        return { configFile: resolve(flags.config) };
      }
      return flags.config === false ? {} : undefined;
    },
  },
};

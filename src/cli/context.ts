/**
 * What every command that touches the ledger needs: settings, a logger (stderr, so stdout stays
 * clean for --json), the store, the family the command works on, and a Sophtron client made on
 * first use by the composition root's credentials rule (src/app/app.ts). `withCliContext` closes everything when the command ends, also on errors.
 */
import { loadConfig, settings, type Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import type { SophtronClient } from '../sophtron/client.js';
import { SophtronConfigError } from '../sophtron/errors.js';
import { ensureDefaultFamily, findDefaultFamily } from '../store/default-family.js';
import { createApp, type App } from '../app/app.js';
import { NoSophtronCredentialsError } from '../app/sophtron-credentials.js';
import type { FamilySophtron } from '../app/family-sophtron.js';
import type { Family } from '../store/families.js';
import { openStore, SecretKeyError, SecretOpenError, StoreError, type Store } from '../store/index.js';
import { CliError } from './errors.js';
import { logLines } from './log-lines.js';

export const NO_CREDENTIALS =
  'no Sophtron credentials: set SOPHTRON_USER_ID and SOPHTRON_ACCESS_KEY, or run `sophtron-sync sandbox` to get test ones';

export interface CliContext {
  config: Config;
  logger: Logger;
  store: Store;
  family: Family;
  /** The composition root over this store (the credentials rule, syncs, deliveries). */
  app: App;
  /** Made on first use from the family's stored credentials; every call is counted. */
  readonly sophtron: SophtronClient;
}

export interface CliContextOptions {
  config?: Config;
  logger?: Logger;
}

const DEFAULT_BASE_URL: string = settings.sophtronBaseUrl.schema.parse(undefined);

export async function withCliContext<T>(
  options: CliContextOptions,
  fn: (ctx: CliContext) => Promise<T>,
): Promise<T> {
  const config = options.config ?? loadConfig();
  // Commands print their own lines; the log (stderr) says only what went wrong unless LOG_LEVEL asks.
  const level = process.env.LOG_LEVEL ? config.logLevel : 'warn';
  // Details (key=value fields) when LOG_LEVEL asks for a log; else the messages alone.
  const logger =
    options.logger ?? createLogger(level, logLines(process.stderr, Boolean(process.env.LOG_LEVEL)));
  let store: Store;
  try {
    // openStore itself says once on stderr when it generates a key file.
    store = await openStore(config);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new CliError(err.message, 2);
    throw err;
  }
  let sophtron: FamilySophtron | undefined;
  try {
    const family = await resolveFamily(store, config);
    // The command line runs no sandbox; with SOPHTRON_* set, resolveFamily saved them for the family.
    const app = createApp(store, config, { logger });
    const chosen = await app.sophtronCredentials(family.id);
    const ctx: CliContext = {
      config,
      logger,
      store,
      family,
      app,
      get sophtron(): SophtronClient {
        if (!chosen) throw new CliError(NO_CREDENTIALS);
        try {
          sophtron ??= app.sophtronWith(family.id, chosen.credentials);
        } catch (err) {
          throw toCliError(err);
        }
        return sophtron.client;
      },
    };
    return await fn(ctx);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await sophtron?.flushUsage();
    await store.close();
  }
}

async function resolveFamily(store: Store, config: Config): Promise<Family> {
  if (config.sophtronUserId && config.sophtronAccessKey) {
    return ensureDefaultFamily(store, {
      userId: config.sophtronUserId,
      accessKey: config.sophtronAccessKey,
      baseUrl: config.sophtronBaseUrl === DEFAULT_BASE_URL ? null : config.sophtronBaseUrl,
      timeZone: config.timeZone,
    });
  }
  if (config.sophtronUserId || config.sophtronAccessKey) {
    throw new CliError(
      config.sophtronUserId
        ? 'SOPHTRON_ACCESS_KEY is not set (SOPHTRON_USER_ID is)'
        : 'SOPHTRON_USER_ID is not set (SOPHTRON_ACCESS_KEY is)',
    );
  }
  const family = await findDefaultFamily(store);
  if (!family) throw new CliError(NO_CREDENTIALS);
  return family;
}

function toCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof NoSophtronCredentialsError) return new CliError(NO_CREDENTIALS);
  if (err instanceof StoreError || err instanceof SecretKeyError || err instanceof SophtronConfigError) {
    return new CliError(err.message);
  }
  if (err instanceof SecretOpenError) {
    return new CliError(
      `${err.message}: the stored Sophtron Access Key cannot be read; save the credentials again`,
    );
  }
  return err;
}

/**
 * The composition root: the store, the settings and the sandbox (when this process runs one) put
 * together once, so the web, the CLI, the scheduler and the workers are thin adapters over the
 * same answers: which Sophtron client a family uses (one credentials rule), how a sync runs, which
 * destinations there are and how a delivery runs.
 */
import type { Config } from '../config.js';
import type { Destination, DeliverySummary, DestinationRegistry } from '../destinations/destination.js';
import type { Logger } from '../log.js';
import type { SophtronCredentials } from '../store/credentials.js';
import type { ScheduleDestination, Store } from '../store/index.js';
import { syncFamily, type SyncDeps, type SyncOptions, type SyncRunResult } from '../sync/run.js';
import { destinations as knownDestinations } from './destinations.js';
import { familySophtronFromCredentials, type FamilySophtron } from './family-sophtron.js';
import {
  chooseCredentials,
  environmentCredentials,
  NoSophtronCredentialsError,
  type Chosen,
  type CredentialsSource,
  type SandboxCredentials,
} from './sophtron-credentials.js';

export interface AppOptions {
  logger?: Logger;
  /** The built-in sandbox this process runs: the last of the credentials rule. */
  sandbox?: SandboxCredentials | null;
  /** Tests: a faster refresh-job poll, the sandbox's clock. */
  syncDeps?: Pick<SyncDeps, 'jobOptions' | 'clock'>;
  /** Default: every destination this program knows (destinations.ts). */
  destinations?: DestinationRegistry;
}

/** A destination with the family's settings for it (null: never set). */
export interface FamilyDestination {
  destination: Destination;
  settings: ScheduleDestination | null;
}

export interface ChosenSophtron extends FamilySophtron {
  source: CredentialsSource;
  reason: string;
}

export interface App {
  readonly store: Store;
  readonly config: Config;
  readonly logger?: Logger;
  /** The credentials the family uses and why, or null when it has none. */
  sophtronCredentials(familyId: string): Promise<Chosen<SophtronCredentials> | null>;
  /** The same choice for a page: the key is never read. */
  describeSophtron(familyId: string): Promise<Chosen<{ userId: string; baseUrl: string | null }> | null>;
  /** A counted client with the family's credentials; NoSophtronCredentialsError when it has none. */
  sophtronFor(familyId: string): Promise<ChosenSophtron>;
  /** A counted client from credentials already chosen (synchronous, for lazy construction). */
  sophtronWith(familyId: string, credentials: SophtronCredentials): FamilySophtron;
  /** One sync of the family with its client; every Sophtron call is counted before it returns. */
  runSync(familyId: string, options: SyncOptions): Promise<SyncRunResult>;
  readonly destinations: DestinationRegistry;
  /** Every destination, in the registry's order, with the family's settings for it. */
  destinationsFor(familyId: string): Promise<FamilyDestination[]>;
  /** One delivery to a destination with options as saved (checked first, naming a bad field). */
  runDelivery(
    familyId: string,
    destination: string,
    options: unknown,
    run?: { lockHeldBy?: string; now?: Date },
  ): Promise<DeliverySummary>;
}

export function createApp(store: Store, config: Config, options: AppOptions = {}): App {
  const { logger, sandbox = null, destinations = knownDestinations } = options;
  const environment = environmentCredentials(config);
  const sophtronWith = (familyId: string, credentials: SophtronCredentials): FamilySophtron =>
    familySophtronFromCredentials(store, familyId, credentials, config, logger ? { logger } : {});
  const sophtronCredentials = async (familyId: string) =>
    chooseCredentials<SophtronCredentials>(await store.getCredentials(familyId), environment, sandbox);
  const sophtronFor = async (familyId: string): Promise<ChosenSophtron> => {
    const chosen = await sophtronCredentials(familyId);
    if (!chosen) throw new NoSophtronCredentialsError(familyId);
    logger?.debug({ familyId, source: chosen.source }, `Sophtron credentials: ${chosen.reason}`);
    return { ...sophtronWith(familyId, chosen.credentials), source: chosen.source, reason: chosen.reason };
  };
  return {
    store,
    config,
    ...(logger ? { logger } : {}),
    sophtronCredentials,
    async describeSophtron(familyId) {
      const saved = await store.describeCredentials(familyId);
      return chooseCredentials(
        saved && { userId: saved.userId, baseUrl: saved.baseUrl },
        environment && { userId: environment.userId, baseUrl: null },
        sandbox && { userId: sandbox.userId, baseUrl: sandbox.baseUrl },
      );
    },
    sophtronFor,
    sophtronWith,
    async runSync(familyId, syncOptions) {
      const sophtron = await sophtronFor(familyId);
      try {
        return await syncFamily(
          { store, sophtron: sophtron.client, config, ...options.syncDeps, ...(logger ? { logger } : {}) },
          familyId,
          syncOptions,
        );
      } finally {
        await sophtron.flushUsage();
      }
    },
    destinations,
    async destinationsFor(familyId) {
      const saved = await store.listDestinations(familyId);
      return destinations.list().map((destination) => ({
        destination,
        settings: saved.find((s) => s.destination === destination.name) ?? null,
      }));
    },
    runDelivery(familyId, name, raw, run = {}) {
      return destinations.deliver(name, familyId, raw, {
        store,
        config,
        now: run.now ?? new Date(),
        ...(run.lockHeldBy ? { lockHeldBy: run.lockHeldBy } : {}),
        ...(logger ? { log: logger } : {}),
      });
    },
  };
}

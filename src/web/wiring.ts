/**
 * Builds the web application's ports (src/web/services.ts) from the real modules: the store, the
 * Sophtron client (saved credentials, environment, or the built-in sandbox) and Firefly III.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { FireflyClient, FireflyError, FireflyUnreachableError } from '../destinations/firefly/client.js';
import {
  deleteFireflySettings,
  describeFireflySettings,
  getFireflySettings,
  saveFireflySettings,
} from '../destinations/firefly/repository.js';
import type { CredentialCheck, SophtronApi } from '../sophtron/api.js';
import { createSophtronClient } from '../sophtron/client.js';
import { familySophtronFromCredentials } from '../app/family-sophtron.js';
import { estimateCallsPerSync } from '../scheduler/budget.js';
import { familyBudget, getSchedule } from '../scheduler/schedules.js';
import { schedulerSettings } from '../scheduler/settings.js';
import type { BudgetLeft } from '../simplefin/index.js';
import type { Store } from '../store/index.js';
import type { SandboxInfo } from './context.js';
import type {
  FireflyPort,
  SophtronCredentialsInput,
  SophtronPort,
  SyncPort,
  WebServices,
} from './services.js';
import { syncFamily, type SyncDeps } from '../sync/run.js';
import { announceManualSyncOutcome } from '../scheduler/notifications/sync-outcome.js';

export function createSophtronPort(
  store: Store,
  config: Config,
  sandbox: SandboxInfo | null,
  logger?: Logger,
): SophtronPort {
  const envSet = !!(config.sophtronUserId && config.sophtronAccessKey);
  const bare = (input: SophtronCredentialsInput): SophtronApi =>
    createSophtronClient({
      userId: input.userId,
      accessKey: input.accessKey,
      baseUrl: input.baseUrl ?? config.sophtronBaseUrl,
      timeoutMs: config.sophtronTimeoutMs,
      retryBudgetMs: config.sophtronRetryBudgetMs,
      windowDays: config.sophtronWindowDays,
      ...(logger ? { logger } : {}),
    });
  // Calls made for a family count in its monthly usage (the quota ledger the scheduler reads).
  const counted = (familyId: string, input: SophtronCredentialsInput): SophtronApi =>
    familySophtronFromCredentials(store, familyId, input, config, logger ? { logger } : {}).client;
  const effective = async (familyId: string): Promise<SophtronCredentialsInput | null> => {
    const saved = await store.getCredentials(familyId);
    if (saved) return saved;
    if (envSet)
      return { userId: config.sophtronUserId!, accessKey: config.sophtronAccessKey!, baseUrl: null };
    if (sandbox) return { userId: sandbox.userId, accessKey: sandbox.accessKey, baseUrl: sandbox.baseUrl };
    return null;
  };
  return {
    async describe(familyId) {
      const saved = await store.describeCredentials(familyId);
      if (saved) return { userId: saved.userId, baseUrl: saved.baseUrl, source: 'saved' };
      if (envSet) return { userId: config.sophtronUserId!, baseUrl: null, source: 'environment' };
      return { userId: sandbox?.userId ?? '', baseUrl: sandbox?.baseUrl ?? null, source: 'sandbox' };
    },
    async save(familyId, input) {
      await store.saveCredentials(familyId, input);
    },
    async remove(familyId) {
      await store.deleteCredentials(familyId);
    },
    async test(familyId, input): Promise<CredentialCheck> {
      const creds = input ?? (await effective(familyId));
      if (!creds) return { result: 'rejected', message: 'no Sophtron credentials are set' };
      try {
        return await (input ? bare(creds) : counted(familyId, creds)).testCredentials();
      } catch (err) {
        return { result: 'unreachable', message: err instanceof Error ? err.message : String(err) };
      }
    },
    async client(familyId) {
      const creds = await effective(familyId);
      if (!creds) throw new Error('No Sophtron credentials are set: enter them in Settings.');
      return counted(familyId, creds);
    },
  };
}

/**
 * Retry budget of Firefly III requests made while a person waits on a page: seconds, not the
 * scheduler's whole budget; a page that only lists or checks (interactive) waits less still.
 */
const webRetryBudgetMs = (config: Config, interactive: boolean): number =>
  Math.min(interactive ? 2_000 : 5_000, config.fireflyRetryBudgetMs);

export function createFireflyPort(store: Store, config: Config): FireflyPort {
  const effective = async (familyId: string) => {
    const saved = await getFireflySettings(store.db, store.secrets, familyId);
    if (saved) return { url: saved.url, token: saved.token, options: saved.options };
    if (config.fireflyUrl && config.fireflyToken)
      return { url: config.fireflyUrl, token: config.fireflyToken, options: {} };
    return null;
  };
  return {
    async describe(familyId) {
      const saved = await describeFireflySettings(store.db, familyId);
      if (saved) return { url: saved.url, tokenSet: saved.tokenSet, source: 'saved' };
      if (config.fireflyUrl)
        return { url: config.fireflyUrl, tokenSet: !!config.fireflyToken, source: 'environment' };
      return null;
    },
    async remove(familyId) {
      await deleteFireflySettings(store.db, familyId);
    },
    async tokenFor(familyId, typed) {
      return typed ?? (await effective(familyId))?.token ?? null;
    },
    async save(familyId, input) {
      const current = await effective(familyId);
      const token = input.token ?? current?.token;
      if (!token) throw new Error('Personal access token: is required');
      await saveFireflySettings(store.db, store.secrets, familyId, {
        url: input.url,
        token,
        options: current?.options ?? {},
      });
    },
    async client(familyId, options = {}) {
      const conn = await effective(familyId);
      return conn
        ? new FireflyClient({
            baseUrl: conn.url,
            token: conn.token,
            timeoutMs: config.fireflyTimeoutMs,
            retryBudgetMs: webRetryBudgetMs(config, options.interactive ?? false),
          })
        : null;
    },
    async test(familyId, input) {
      const conn = input ?? (await effective(familyId));
      if (!conn) return { ok: false, message: 'no Firefly III connection is set' };
      try {
        const client = new FireflyClient({
          baseUrl: conn.url,
          token: conn.token,
          timeoutMs: config.fireflyTimeoutMs,
          // A person waits for this answer (Test, Save).
          retryBudgetMs: webRetryBudgetMs(config, true),
        });
        const version = await client.checkVersion();
        return { ok: true, version, user: null };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof FireflyUnreachableError) return { ok: false, message, reason: 'unreachable' };
        if (err instanceof FireflyError) return { ok: false, message, reason: 'refused' };
        return { ok: false, message };
      }
    },
  };
}

export function createSyncPort(
  store: Store,
  config: Config,
  sophtron: SophtronPort,
  logger?: Logger,
  jobOptions?: SyncDeps['jobOptions'],
): SyncPort {
  return {
    async run(familyId, options) {
      const api = await sophtron.client(familyId);
      const result = await syncFamily(
        {
          store,
          sophtron: api,
          config,
          ...(logger ? { logger } : {}),
          ...(jobOptions ? { jobOptions } : {}),
        },
        familyId,
        options,
      );
      // A login the bank refused is announced once, like a scheduled sync's; never fails the sync.
      await announceManualSyncOutcome(
        {
          db: store.db,
          secrets: store.secrets,
          ...(logger ? { log: logger } : {}),
          allowLinkLocal: config.notifyAllowLinkLocal,
        },
        familyId,
        result.accounts,
      );
      return result;
    },
  };
}

export function createWebServices(
  store: Store,
  config: Config,
  sandbox: SandboxInfo | null,
  logger?: Logger,
  options: { syncJobOptions?: SyncDeps['jobOptions'] } = {},
): WebServices {
  const sophtron = createSophtronPort(store, config, sandbox, logger);
  return {
    sophtron,
    firefly: createFireflyPort(store, config),
    sync: createSyncPort(store, config, sophtron, logger, options.syncJobOptions),
  };
}

/**
 * What SimpleFIN's "refresh when older than N hours" may spend: the family's Sophtron budget left
 * this month and the calls a sync takes, as the scheduler reckons them.
 */
export function sophtronBudgetLeft(store: Store, config: Config): BudgetLeft {
  const settings = schedulerSettings(config);
  return async (familyId, now) => {
    const family = await store.getFamily(familyId);
    const schedule = await getSchedule(store.db, familyId, settings);
    const budget = await familyBudget(store.db, schedule, family?.time_zone ?? 'UTC', settings, now);
    const estimate = await estimateCallsPerSync(store.db, familyId, settings.callsPerAccount);
    return { remaining: budget.remaining, callsPerSync: estimate.callsPerSync };
  };
}

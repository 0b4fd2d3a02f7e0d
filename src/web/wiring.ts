/**
 * Builds the web application's ports (src/web/services.ts) over the composition root (src/app/app.ts:
 * the family's Sophtron client by the one credentials rule, the sync) and Firefly III.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { FireflyClient, FireflyError, FireflyUnreachableError } from '../destinations/firefly/client.js';
import type { CredentialCheck, SophtronApi } from '../sophtron/api.js';
import { createSophtronClient } from '../sophtron/client.js';
import { createApp, type App } from '../app/app.js';
import { NoSophtronCredentialsError } from '../app/sophtron-credentials.js';
import { manualSyncGuard } from '../scheduler/manual-budget.js';
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
import type { SyncDeps } from '../sync/run.js';
import { announceManualSyncOutcome } from '../scheduler/notifications/sync-outcome.js';

/** A family without credentials is told where to enter them. */
function withWebMessage(err: unknown): never {
  if (err instanceof NoSophtronCredentialsError)
    throw new Error('No Sophtron credentials are set: enter them in Settings.');
  throw err;
}

export function createSophtronPort(app: App): SophtronPort {
  const { store, config, logger } = app;
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
  return {
    async describe(familyId) {
      const chosen = await app.describeSophtron(familyId);
      // No credentials at all: the page says the sandbox applies (the server starts one then).
      if (!chosen) return { userId: '', baseUrl: null, source: 'sandbox' };
      return { ...chosen.credentials, source: chosen.source };
    },
    async save(familyId, input) {
      await store.saveCredentials(familyId, input);
    },
    async remove(familyId) {
      await store.deleteCredentials(familyId);
    },
    async test(familyId, input): Promise<CredentialCheck> {
      // Typed credentials are checked with a bare client: they are not the family's yet.
      const chosen = input ? null : await app.sophtronCredentials(familyId);
      if (!input && !chosen) return { result: 'rejected', message: 'no Sophtron credentials are set' };
      try {
        return await (
          input ? bare(input) : app.sophtronWith(familyId, chosen!.credentials).client
        ).testCredentials();
      } catch (err) {
        return { result: 'unreachable', message: err instanceof Error ? err.message : String(err) };
      }
    },
    async client(familyId) {
      // Calls made for a family count in its monthly usage (the quota ledger the scheduler reads).
      return (await app.sophtronFor(familyId).catch(withWebMessage)).client;
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
    const saved = await store.getFireflySettings(familyId);
    if (saved) return { url: saved.url, token: saved.token, options: saved.options };
    if (config.fireflyUrl && config.fireflyToken)
      return { url: config.fireflyUrl, token: config.fireflyToken, options: {} };
    return null;
  };
  return {
    async describe(familyId) {
      const saved = await store.describeFireflySettings(familyId);
      if (saved) return { url: saved.url, tokenSet: saved.tokenSet, source: 'saved' };
      if (config.fireflyUrl)
        return { url: config.fireflyUrl, tokenSet: !!config.fireflyToken, source: 'environment' };
      return null;
    },
    async remove(familyId) {
      await store.deleteFireflySettings(familyId);
    },
    async tokenFor(familyId, typed) {
      return typed ?? (await effective(familyId))?.token ?? null;
    },
    async save(familyId, input) {
      const current = await effective(familyId);
      const token = input.token ?? current?.token;
      if (!token) throw new Error('Personal access token: is required');
      await store.saveFireflySettings(familyId, {
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

export function createSyncPort(app: App): SyncPort {
  const { store, config, logger } = app;
  return {
    async run(familyId, { overBudget, partOf, ...options }) {
      const guard =
        options.trigger === 'simplefin'
          ? undefined
          : manualSyncGuard(
              store,
              familyId,
              schedulerSettings(config),
              overBudget === true,
              partOf === 'import' ? 'this import' : 'this sync',
            );
      const result = await app
        .runSync(familyId, { ...options, ...(guard ? { checkCalls: guard } : {}) })
        .catch(withWebMessage);
      // A login the bank refused is announced once, like a scheduled sync's; never fails the sync.
      await announceManualSyncOutcome(
        {
          store,
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
  const app = createApp(store, config, {
    sandbox,
    ...(logger ? { logger } : {}),
    ...(options.syncJobOptions ? { syncDeps: { jobOptions: options.syncJobOptions } } : {}),
  });
  const sophtron = createSophtronPort(app);
  return {
    sophtron,
    firefly: createFireflyPort(store, config),
    sync: createSyncPort(app),
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
    const schedule = await getSchedule(store, familyId, settings);
    const budget = await familyBudget(store, schedule, family?.time_zone ?? 'UTC', settings, now);
    const estimate = await estimateCallsPerSync(store, familyId, settings.callsPerAccount);
    return { remaining: budget.remaining, callsPerSync: estimate.callsPerSync };
  };
}

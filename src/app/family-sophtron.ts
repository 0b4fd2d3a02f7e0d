/**
 * A Sophtron client for one family, from its stored credentials, that counts every call in the
 * family's usage row (the monthly quota ledger).
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createSophtronClient, type SophtronClient, type SophtronClientOptions } from '../sophtron/client.js';
import type { SophtronCredentials } from '../store/credentials.js';
import type { Store } from '../store/index.js';
import { StoreError } from '../store/util.js';

export interface FamilySophtron {
  client: SophtronClient;
  /** Waits until every counted call is written (call before closing the store). */
  flushUsage(): Promise<void>;
}

type ClientConfig = Pick<
  Config,
  'sophtronBaseUrl' | 'sophtronTimeoutMs' | 'sophtronRetryBudgetMs' | 'sophtronWindowDays'
>;
type Overrides = Partial<SophtronClientOptions> & { logger?: Logger };

export async function createFamilySophtron(
  store: Store,
  familyId: string,
  config: ClientConfig,
  overrides: Overrides = {},
): Promise<FamilySophtron> {
  const creds = await store.getCredentials(familyId);
  if (!creds) throw new StoreError('this family has no Sophtron credentials yet', 'not_found');
  return familySophtronFromCredentials(store, familyId, creds, config, overrides);
}

/** The same from credentials already read (synchronous, for lazy construction). */
export function familySophtronFromCredentials(
  store: Store,
  familyId: string,
  creds: SophtronCredentials,
  config: ClientConfig,
  overrides: Overrides = {},
): FamilySophtron {
  // Writes are chained so counts land in order and a failure is logged, never thrown into the client.
  let pending: Promise<void> = Promise.resolve();
  const { onCall: outerOnCall, ...rest } = overrides;
  const client = createSophtronClient({
    userId: creds.userId,
    accessKey: creds.accessKey,
    baseUrl: creds.baseUrl ?? config.sophtronBaseUrl,
    timeoutMs: config.sophtronTimeoutMs,
    retryBudgetMs: config.sophtronRetryBudgetMs,
    windowDays: config.sophtronWindowDays,
    ...rest,
    onCall(endpoint) {
      pending = pending
        .then(() => store.incrementUsage(familyId, endpoint))
        .catch((err: unknown) => {
          overrides.logger?.warn(
            { err: err instanceof Error ? err.message : String(err), endpoint },
            'could not count a Sophtron call',
          );
        });
      outerOnCall?.(endpoint);
    },
  });
  return { client, flushUsage: () => pending };
}

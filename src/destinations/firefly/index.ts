/**
 * The Firefly III destination, for the web application, the scheduler and the CLI: deliver a
 * family's ledger with its stored connection (or the FIREFLY_III_* settings) and options.
 */
import type { Config } from '../../config.js';
import type { FireflySettings, Store } from '../../store/index.js';
import { FireflyClient } from './client.js';
import { deliverFamily, type DeliveryOptions, type DeliveryResult, type DeliveryStore } from './deliver.js';

export class FireflyNotConfiguredError extends Error {
  constructor() {
    super(
      'no Firefly III connection: set FIREFLY_III_URL and FIREFLY_III_ACCESS_TOKEN, or save them for the family',
    );
    this.name = 'FireflyNotConfiguredError';
  }
}

/** The family's stored connection wins over the FIREFLY_III_* settings. */
export async function fireflyClientFor(
  store: Pick<Store, 'getFireflySettings'>,
  familyId: string,
  config: Pick<Config, 'fireflyUrl' | 'fireflyToken' | 'fireflyTimeoutMs'> &
    Partial<Pick<Config, 'fireflyRetryBudgetMs'>>,
): Promise<{ client: FireflyClient; stored: FireflySettings | null }> {
  const stored = await store.getFireflySettings(familyId);
  const url = stored?.url ?? config.fireflyUrl;
  const token = stored?.token ?? config.fireflyToken;
  if (!url || !token) throw new FireflyNotConfiguredError();
  const client = new FireflyClient({
    baseUrl: url,
    token,
    timeoutMs: config.fireflyTimeoutMs,
    ...(config.fireflyRetryBudgetMs !== undefined ? { retryBudgetMs: config.fireflyRetryBudgetMs } : {}),
  });
  return { client, stored };
}

/** One delivery of a family with its stored options (pending, tag, mapping), `overrides` on top. */
export async function deliverToFirefly(
  store: DeliveryStore & Pick<Store, 'getFireflySettings'>,
  familyId: string,
  config: Pick<
    Config,
    'fireflyUrl' | 'fireflyToken' | 'fireflyTimeoutMs' | 'fireflyConcurrency' | 'fireflyPending'
  >,
  overrides: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const { client, stored } = await fireflyClientFor(store, familyId, config);
  const o = stored?.options ?? {};
  return deliverFamily({ store, client }, familyId, {
    pending: o.pending ?? config.fireflyPending,
    concurrency: config.fireflyConcurrency,
    ...(o.addImportTag !== undefined ? { addImportTag: o.addImportTag } : {}),
    ...(o.customTag ? { customTag: o.customTag } : {}),
    ...(o.applyRules !== undefined ? { applyRules: o.applyRules } : {}),
    ...(o.fireWebhooks !== undefined ? { fireWebhooks: o.fireWebhooks } : {}),
    ...(o.mapping ? { mapping: o.mapping } : {}),
    ...overrides,
  });
}

export {
  FireflyClient,
  FireflyError,
  FireflyAuthError,
  FireflyValidationError,
  FireflyVersionError,
} from './client.js';
export {
  deliverFamily,
  type DeliveryOptions,
  type DeliveryResult,
  type DeliveryProgress,
} from './deliver.js';
export { describeComparison, type BalanceComparison } from './balance-check.js';
export {
  parseFidiConfig,
  writeFidiConfig,
  importPlan,
  FidiConfigError,
  type FidiConfig,
} from './fidi-config.js';

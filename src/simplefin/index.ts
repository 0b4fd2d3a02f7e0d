/**
 * SimpleFIN: the family's ledger served to SimpleFIN apps (Actual Budget, Sure, the Firefly III
 * data importer…). protocol.ts maps ledger → SimpleFIN shapes (pure); server.ts is the Hono router
 * mounted under `/simplefin`; tokens.ts makes setup tokens; refresh.ts the optional refresh.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { createRefresher, type BudgetLeft } from './refresh.js';
import { createSimplefinServer } from './server.js';

export { createSimplefinServer } from './server.js';
export { createSetupToken, SetupTokenError, tokenState, CLAIM_WINDOW_HOURS } from './tokens.js';
export { misreadByCentsClients } from './protocol.js';
export type { BudgetLeft } from './refresh.js';

/** The page where a family administrator creates setup tokens. */
export const SIMPLEFIN_PAGE = '/simplefin-tokens';

/** The router `serve` mounts at `/simplefin`, wired to the store and the sync entry point. */
export function simplefinServerFor(
  store: Store,
  config: Config,
  logger: Logger,
  ways: {
    /** The sync entry point (syncFamily with the family's counted Sophtron client). */
    runSync: (familyId: string, accountIds: string[]) => Promise<unknown>;
    budget: BudgetLeft;
  },
) {
  return createSimplefinServer({
    store,
    logger,
    rateLimitPerHour: config.simplefinRateLimit,
    createPage: SIMPLEFIN_PAGE,
    trustProxy: config.trustProxy,
    refresher: createRefresher({
      store,
      budget: ways.budget,
      runSync: ways.runSync,
      waitMs: config.simplefinRefreshWaitSeconds * 1000,
      logger,
    }),
  });
}

/**
 * What the web application asks of the other modules (store, Sophtron client, sync, Firefly III
 * delivery). Pages depend on these ports only; src/web/wiring.ts builds them from the real modules
 * and tests may pass their own. Every call that touches family data takes the family id first.
 */
import type { CredentialsSource } from '../app/sophtron-credentials.js';
import type { FireflyClient } from '../destinations/firefly/client.js';
import type { CredentialCheck, SophtronApi } from '../sophtron/api.js';
import type { SyncEvent, SyncRunResult } from '../sync/run.js';

export interface SophtronCredentialsView {
  userId: string;
  baseUrl: string | null;
  /** environment: SOPHTRON_* variables; saved: entered in Settings; sandbox: the built-in sandbox. */
  source: CredentialsSource;
}

export interface SophtronCredentialsInput {
  userId: string;
  accessKey: string;
  baseUrl: string | null;
}

export interface SophtronPort {
  describe(familyId: string): Promise<SophtronCredentialsView>;
  save(familyId: string, input: SophtronCredentialsInput): Promise<void>;
  /** Forgets the family's saved credentials: the environment's or the sandbox's apply again. */
  remove(familyId: string): Promise<void>;
  /** Tests the given credentials, or the family's current ones when none are given. */
  test(familyId: string, input?: SophtronCredentialsInput): Promise<CredentialCheck>;
  client(familyId: string): Promise<SophtronApi>;
}

export interface FireflyConnectionView {
  url: string;
  tokenSet: boolean;
  source: 'environment' | 'saved';
}

export type FireflyTestResult =
  | { ok: true; version: string | null; user: string | null }
  /** refused: it answered and said no (token, version); unreachable: no answer at that address. */
  | { ok: false; message: string; reason?: 'refused' | 'unreachable' };

export interface FireflyPort {
  describe(familyId: string): Promise<FireflyConnectionView | null>;
  save(familyId: string, input: { url: string; token: string | null }): Promise<void>;
  /** Forgets the family's saved connection (the environment's applies again, if any). */
  remove(familyId: string): Promise<void>;
  /** The token the family would use for `url`: the one typed, else the saved or the environment's. */
  tokenFor(familyId: string, typed: string | null): Promise<string | null>;
  test(familyId: string, input?: { url: string; token: string }): Promise<FireflyTestResult>;
  /**
   * A client for the family's Firefly III, or null when none is set. `interactive`: someone waits
   * on the page, so an unreachable Firefly III is reported in seconds, not after the retry budget.
   */
  client(familyId: string, options?: { interactive?: boolean }): Promise<FireflyClient | null>;
}

export interface SyncPort {
  run(
    familyId: string,
    options: {
      accountIds?: string[];
      trigger: 'web' | 'api' | 'import' | 'simplefin';
      /** The import configuration's date window. */
      from?: string;
      to?: string;
      onEvent?: (e: SyncEvent) => void;
      /** An import holds the family's lock for its sync and delivery (src/store/family-lock.ts). */
      lockHeldBy?: string;
      /**
       * A person's sync is refused (OverBudgetError) when it would spend more than the month's
       * Sophtron budget has left, unless they asked to go on (true). SimpleFIN refreshes have
       * their own check (simplefin/refresh.ts).
       */
      overBudget?: boolean;
      /** What the refusal calls the request: "this sync" unless an import's sync. */
      partOf?: 'import';
    },
  ): Promise<SyncRunResult>;
}

export interface WebServices {
  sophtron: SophtronPort;
  firefly: FireflyPort;
  sync: SyncPort;
}

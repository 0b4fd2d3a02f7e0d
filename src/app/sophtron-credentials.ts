/**
 * The one rule for which Sophtron credentials a family uses, for every way in (web, CLI, scheduler,
 * workers): the family's saved ones, else the environment's (SOPHTRON_USER_ID and
 * SOPHTRON_ACCESS_KEY), else the built-in sandbox's when this process runs one.
 */
import type { Config } from '../config.js';

export type CredentialsSource = 'saved' | 'environment' | 'sandbox';

/** The built-in sandbox this process runs (none when credentials are in the environment). */
export interface SandboxCredentials {
  baseUrl: string;
  userId: string;
  accessKey: string;
}

export interface Chosen<T> {
  credentials: T;
  source: CredentialsSource;
  /** Why these were chosen, in words a page or a log line can show. */
  reason: string;
}

const REASONS: Record<CredentialsSource, string> = {
  saved: 'the credentials saved for this family',
  environment: 'SOPHTRON_USER_ID and SOPHTRON_ACCESS_KEY (no credentials saved for this family)',
  sandbox: 'the built-in sandbox (no credentials saved for this family or in the environment)',
};

/**
 * Saved beats environment beats sandbox. Generic so the same rule picks full credentials (to make a
 * client) and descriptions (a page, which never reads the key).
 */
export function chooseCredentials<T>(
  saved: T | null | undefined,
  environment: T | null,
  sandbox: T | null,
): Chosen<T> | null {
  const pick = (credentials: T, source: CredentialsSource): Chosen<T> => ({
    credentials,
    source,
    reason: REASONS[source],
  });
  if (saved) return pick(saved, 'saved');
  if (environment) return pick(environment, 'environment');
  if (sandbox) return pick(sandbox, 'sandbox');
  return null;
}

/** The environment's credentials, when both variables are set (base URL: SOPHTRON_BASE_URL). */
export function environmentCredentials(
  config: Pick<Config, 'sophtronUserId' | 'sophtronAccessKey'>,
): { userId: string; accessKey: string; baseUrl: null } | null {
  return config.sophtronUserId && config.sophtronAccessKey
    ? { userId: config.sophtronUserId, accessKey: config.sophtronAccessKey, baseUrl: null }
    : null;
}

/** A family has none of the three (no saved credentials, none in the environment, no sandbox). */
export class NoSophtronCredentialsError extends Error {
  constructor(readonly familyId: string) {
    super('this family has no Sophtron credentials');
    this.name = 'NoSophtronCredentialsError';
  }
}

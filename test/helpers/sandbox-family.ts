/**
 * A sandbox user's bank, the way tests set it up: the CLI environment a child process gets for that
 * user, a Sophtron client on the sandbox, and a connected test bank recorded in a family's ledger
 * (as `sophtron-sync connect` leaves it).
 */
import { randomBytes } from 'node:crypto';
import { NO_MFA_BANK_ID, type RunningSandbox } from '../../src/sandbox/index.js';
import {
  createSophtronClient,
  type SophtronClient,
  type SophtronClientOptions,
} from '../../src/sophtron/client.js';
import { connectBank } from '../../src/sophtron/connect.js';
import { ensureDefaultFamily } from '../../src/store/default-family.js';
import type { Store } from '../../src/store/index.js';
import { recordConnection } from '../../src/store/record-connection.js';
import type { CliEnv } from './cli.js';

/** Only what the CLI needs (nothing of the developer's environment), for the sandbox's first user. */
export function sandboxCliEnv(sandbox: RunningSandbox, dataDir: string, extra: CliEnv = {}): CliEnv {
  const user = sandbox.users[0]!;
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    SECRET_KEY: randomBytes(32).toString('base64'),
    SOPHTRON_USER_ID: user.userId,
    SOPHTRON_ACCESS_KEY: user.accessKey,
    SOPHTRON_BASE_URL: sandbox.baseUrl,
    SOPHTRON_JOB_POLL_MS: '5',
    ...extra,
  };
}

/** A client for the sandbox's first user. */
export function sandboxClient(
  sandbox: RunningSandbox,
  extra: Partial<SophtronClientOptions> = {},
): SophtronClient {
  const user = sandbox.users[0]!;
  return createSophtronClient({
    userId: user.userId,
    accessKey: user.accessKey,
    baseUrl: sandbox.baseUrl,
    ...extra,
  });
}

/** The default family, holding the sandbox's first user's credentials (as the CLI makes it). */
export function sandboxDefaultFamily(store: Store, sandbox: RunningSandbox, timeZone = 'UTC') {
  const user = sandbox.users[0]!;
  return ensureDefaultFamily(store, {
    userId: user.userId,
    accessKey: user.accessKey,
    baseUrl: sandbox.baseUrl,
    timeZone,
  });
}

/** Connects a test bank (no MFA unless told) and records it, its accounts known but not linked. */
export async function connectSandboxBank(
  store: Store,
  familyId: string,
  client: SophtronClient,
  options: { institutionId?: string; jobOptions?: Parameters<typeof connectBank>[2] } = {},
) {
  const institutionId = options.institutionId ?? NO_MFA_BANK_ID;
  const outcome = await connectBank(
    client,
    { institutionId, username: 'asdfg12X', password: 'asdfg12X' },
    options.jobOptions ?? { pollIntervalMs: 1, maxPollIntervalMs: 5 },
  );
  const institution = await client.getInstitution(institutionId);
  const remote = await client.listAccounts(outcome.userInstitutionId);
  const recorded = await recordConnection(store, familyId, outcome, institution, remote);
  if (!recorded) throw new Error(`the test bank was not recorded: ${outcome.outcome}`);
  return { outcome, institution, remote, providerAccounts: recorded.providerAccounts };
}

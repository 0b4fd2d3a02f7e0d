/**
 * The one credentials rule of the composition root (src/app/app.ts), seen where it matters: at the
 * Sophtron server. Three sandbox users stand for the saved, the environment's and the sandbox's
 * credentials; the sandbox's request log says whose key signed each call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app/app.js';
import { NoSophtronCredentialsError } from '../src/app/sophtron-credentials.js';
import { loadConfig } from '../src/config.js';
import { defaultUser, startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openTempStore } from './fakes/ledger-store.js';

let sandbox: RunningSandbox;
let ledger: Awaited<ReturnType<typeof openTempStore>>;
const [savedUser, envUser, sandboxUser] = [defaultUser(1), defaultUser(2), defaultUser(3)];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 5, users: [savedUser, envUser, sandboxUser] });
  ledger = await openTempStore();
});
afterAll(async () => {
  await ledger?.cleanup();
  await sandbox?.close();
});

/** Settings as a process sees them: SOPHTRON_* set or not, the sandbox's address as the default. */
const settings = (environment: boolean) =>
  loadConfig({
    DATA_DIR: ledger.dataDir,
    SOPHTRON_BASE_URL: sandbox.baseUrl,
    SOPHTRON_RETRY_BUDGET_MS: '0',
    ...(environment ? { SOPHTRON_USER_ID: envUser.userId, SOPHTRON_ACCESS_KEY: envUser.accessKey } : {}),
  });
const sandboxInfo = () => ({ baseUrl: sandbox.baseUrl, ...sandboxUser });

/** The Sophtron user whose key signed the family's next call. */
async function whoCalls(app: ReturnType<typeof createApp>, familyId: string) {
  const chosen = await app.sophtronFor(familyId);
  expect(await chosen.client.testCredentials()).toEqual({ result: 'accepted' });
  await chosen.flushUsage();
  return { source: chosen.source, userId: sandbox.control.requestLog().at(-1)?.userId };
}

describe('the one Sophtron credentials rule', () => {
  it('saved beats the environment, which beats the sandbox; none of them is a clear error', async () => {
    const { store } = ledger;
    const family = await store.createFamily({ name: 'Rule', timeZone: 'UTC' });
    const serve = createApp(store, settings(false), { sandbox: sandboxInfo() });
    const serveWithEnv = createApp(store, settings(true), { sandbox: sandboxInfo() });
    const worker = createApp(store, settings(false));

    expect(await whoCalls(serve, family.id)).toEqual({ source: 'sandbox', userId: sandboxUser.userId });
    expect(await whoCalls(serveWithEnv, family.id)).toEqual({
      source: 'environment',
      userId: envUser.userId,
    });
    await expect(worker.sophtronFor(family.id)).rejects.toBeInstanceOf(NoSophtronCredentialsError);

    await store.saveCredentials(family.id, { ...savedUser, baseUrl: sandbox.baseUrl });
    for (const app of [serve, serveWithEnv, worker])
      expect(await whoCalls(app, family.id)).toEqual({ source: 'saved', userId: savedUser.userId });
    // A page is told the same choice and why, without the key.
    const described = await serveWithEnv.describeSophtron(family.id);
    expect(described).toEqual({
      credentials: { userId: savedUser.userId, baseUrl: sandbox.baseUrl },
      source: 'saved',
      reason: 'the credentials saved for this family',
    });
    expect(JSON.stringify(described)).not.toContain(savedUser.accessKey);

    // Forgetting the saved credentials gives the environment's back, then the sandbox's.
    await store.deleteCredentials(family.id);
    expect(await whoCalls(serveWithEnv, family.id)).toEqual({
      source: 'environment',
      userId: envUser.userId,
    });
    expect(await whoCalls(serve, family.id)).toEqual({ source: 'sandbox', userId: sandboxUser.userId });
    // Every call made through the app was counted in the family's usage.
    expect(await store.monthTotal(family.id)).toBe(sandbox.control.requestLog().length);
  });
});

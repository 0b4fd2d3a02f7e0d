/**
 * The in-process sandbox of `serve` keeps its bank logins in the data folder: after a restart every
 * linked account syncs again without linking anything again, and a new bank login still never gets
 * an id an older one had (the ledger would take it for the old one and overwrite it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createSophtronClient } from '../../src/sophtron/client.js';
import { connectBank } from '../../src/sophtron/connect.js';
import { openStore } from '../../src/store/index.js';
import { recordConnection } from '../../src/store/record-connection.js';
import { SANDBOX_STATE_FILE, startSandboxFor } from '../../src/web/start.js';
import { createWebServices } from '../../src/web/wiring.js';

const dir = mkdtempSync(join(tmpdir(), 'ss-sandbox-restart-'));
const config = loadConfig({
  DATA_DIR: dir,
  LOG_LEVEL: 'silent',
  SANDBOX_POLLS_PER_STEP: '1',
  SECRET_KEY: randomBytes(32).toString('base64'),
  SOPHTRON_JOB_POLL_MS: '5',
});
const logger = createLogger('silent');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One run of `serve`'s sandbox with the family's ledger open: what a server start gives. */
async function withServer<T>(
  work: (ctx: {
    services: ReturnType<typeof createWebServices>;
    store: Awaited<ReturnType<typeof openStore>>;
    api: ReturnType<typeof createSophtronClient>;
  }) => Promise<T>,
): Promise<T> {
  const sandbox = await startSandboxFor(config);
  const store = await openStore(config);
  try {
    const services = createWebServices(store, config, sandbox.info, logger, {
      syncJobOptions: { pollIntervalMs: 1, maxPollIntervalMs: 5 },
    });
    const api = createSophtronClient({ ...sandbox.info, retryBudgetMs: 0 });
    return await work({ services, store, api });
  } finally {
    await store.close();
    await sandbox.close();
  }
}

async function connectNoMfa(api: ReturnType<typeof createSophtronClient>) {
  const [bank] = await api.searchInstitutions('Sophtron Bank NoMFA');
  const outcome = await connectBank(
    api,
    { institutionId: bank!.id, username: 'asdfg12X', password: 'asdfg12X' },
    { pollIntervalMs: 1, maxPollIntervalMs: 5 },
  );
  return { outcome, institution: await api.getInstitution(bank!.id) };
}

describe('the sandbox of serve across restarts', () => {
  let familyId = '';
  let firstLoginId = '';

  it('syncs every linked account again after a restart, without linking again', async () => {
    const firstNew = await withServer(async ({ services, store, api }) => {
      familyId = (await store.createFamily({ name: 'Restart family', timeZone: 'UTC' })).id;
      const { outcome, institution } = await connectNoMfa(api);
      firstLoginId = outcome.userInstitutionId;
      const remote = await api.listAccounts(firstLoginId);
      const recorded = await recordConnection(store, familyId, outcome, institution, remote);
      for (const pa of recorded!.providerAccounts) await store.linkAccount(familyId, pa.id);
      const run = await services.sync.run(familyId, { trigger: 'web' });
      expect(run.outcome).toBe('succeeded');
      return run.accounts.reduce((n, a) => n + a.counts.new, 0);
    });
    expect(firstNew).toBeGreaterThan(0);

    const saved = readFileSync(join(dir, SANDBOX_STATE_FILE), 'utf8');
    expect(saved).toContain(firstLoginId);
    // The sandbox keeps which login was accepted, never the password typed.
    expect(saved).not.toMatch(/asdfg12X"?\s*,\s*"?pin|"password":\s*"asdfg12X"/);

    await withServer(async ({ services }) => {
      const again = await services.sync.run(familyId, { trigger: 'web' });
      expect(again.accounts.map((a) => [a.accountName, a.error ?? null])).toEqual(
        again.accounts.map((a) => [a.accountName, null]),
      );
      expect(again.outcome).toBe('succeeded');
      expect(again.accounts.length).toBeGreaterThan(1);
    });
  });

  it('never gives a new bank login an id an older one had', async () => {
    const second = await withServer(async ({ api }) => (await connectNoMfa(api)).outcome.userInstitutionId);
    expect(second).toMatch(/^[0-9a-f-]{36}$/i);
    expect(second).not.toBe(firstLoginId);
  });
});

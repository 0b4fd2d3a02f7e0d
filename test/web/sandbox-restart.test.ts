/**
 * The in-process sandbox of `serve` forgets everything when the server restarts. A restarted one
 * must not hand out the ids it handed out before: the ledger would take a new bank login for an
 * old one and overwrite it (seen in a walkthrough: the NoMFA bank replaced Sophtron Bank).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createSophtronClient } from '../../src/sophtron/client.js';
import { startSandboxFor } from '../../src/web/start.js';

async function firstConnectionId(): Promise<string> {
  const sandbox = await startSandboxFor(loadConfig({ LOG_LEVEL: 'silent', SANDBOX_POLLS_PER_STEP: '1' }));
  try {
    const api = createSophtronClient({ ...sandbox.info, retryBudgetMs: 0 });
    const [bank] = await api.searchInstitutions('Sophtron Bank NoMFA');
    const { userInstitutionId } = await api.createConnection({
      institutionId: bank!.id,
      username: 'asdfg12X',
      password: 'asdfg12X',
    });
    return userInstitutionId;
  } finally {
    await sandbox.close();
  }
}

describe('the sandbox of serve across restarts', () => {
  it('never reuses a bank login id', async () => {
    const before = await firstConnectionId();
    const after = await firstConnectionId();
    expect(before).toMatch(/^[0-9a-f-]{36}$/i);
    expect(after).not.toBe(before);
  });
});

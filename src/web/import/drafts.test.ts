/**
 * Import wizard drafts live in the database: a second store on the same database (another `serve`
 * process, or this one after a restart) continues the draft; only the session that started it may.
 */
import { afterEach, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/databases.js';
import { openStore } from '../../store/index.js';
import { freshConfig, ImportDrafts } from './drafts.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.dispose();
});

it('keeps a draft across processes, for its own session only', async () => {
  database = await createTestDatabase();
  const key = Buffer.alloc(32, 4).toString('base64');
  const first = await openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey: key });
  const family = await first.createFamily({ name: 'F', timeZone: 'UTC' });
  const owner = { session: 'session-hash', familyId: family.id };
  const d = await new ImportDrafts().create(first, owner, freshConfig());
  d.config = { ...d.config, accounts: { 'sophtron-acc': 7 } };
  d.ledgerBySophtron.set('sophtron-acc', 'ledger-1');
  d.warnings.push('one warning');
  await new ImportDrafts().save(first, d);
  await first.close();

  const second = await openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey: key });
  try {
    const again = await new ImportDrafts().get(second, owner, d.id);
    expect(again?.config.accounts).toEqual({ 'sophtron-acc': 7 });
    expect(again?.ledgerBySophtron.get('sophtron-acc')).toBe('ledger-1');
    expect(again?.warnings).toEqual(['one warning']);
    expect(await new ImportDrafts().get(second, { ...owner, session: 'another' }, d.id)).toBeUndefined();
    const other = await second.createFamily({ name: 'G', timeZone: 'UTC' });
    expect(await new ImportDrafts().get(second, { ...owner, familyId: other.id }, d.id)).toBeUndefined();
  } finally {
    await second.close();
  }
});

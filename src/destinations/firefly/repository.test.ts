import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../../store/database.js';
import { createSecretBox } from '../../store/secret-box.js';
import { seedFamily } from '../../../test/fakes/ledger-seed.js';
import { describeFireflySettings, getFireflySettings, saveFireflySettings } from './repository.js';

it('keeps a family Firefly token sealed: readable through the box, never in the database file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-repo-'));
  const file = join(dir, 'db.sqlite');
  const opened = await openDatabase({ filename: file });
  try {
    const box = createSecretBox(Buffer.alloc(32, 3));
    const family = await seedFamily(opened.db);
    const token = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.super-secret-token';
    await saveFireflySettings(opened.db, box, family, {
      url: 'http://firefly.local:8080',
      token,
      options: { pending: 'tag' },
    });
    expect(await getFireflySettings(opened.db, box, family)).toMatchObject({
      url: 'http://firefly.local:8080',
      token,
      options: { pending: 'tag' },
    });
    expect(await describeFireflySettings(opened.db, family)).toMatchObject({
      url: 'http://firefly.local:8080',
      tokenSet: true,
    });
    expect(JSON.stringify(await describeFireflySettings(opened.db, family))).not.toContain('secret');
    // Another key cannot open it, and the raw file never holds the token.
    await expect(
      getFireflySettings(opened.db, createSecretBox(Buffer.alloc(32, 4)), family),
    ).rejects.toThrow();
    await opened.db.destroy();
    for (const f of [file, `${file}-wal`]) {
      try {
        expect(readFileSync(f).includes(Buffer.from('super-secret-token'))).toBe(false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    const reopened = await openDatabase({ filename: file });
    await expect(
      saveFireflySettings(reopened.db, box, family, { url: 'not a url', token }),
    ).rejects.toThrow();
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

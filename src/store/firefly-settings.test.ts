import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { seedFamily } from '../../test/fakes/ledger-seed.js';
import { openDatabase } from './database.js';
import { fireflySettingsRepository } from './firefly-settings.js';
import { createSecretBox } from './secret-box.js';

it('keeps a family Firefly token sealed: readable through the box, never in the database file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-repo-'));
  const file = join(dir, 'db.sqlite');
  const opened = await openDatabase({ filename: file });
  try {
    const box = createSecretBox(Buffer.alloc(32, 3));
    const settings = fireflySettingsRepository(opened.db, box);
    const family = await seedFamily(opened.db);
    const token = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.super-secret-token';
    await settings.saveFireflySettings(family, {
      url: 'http://firefly.local:8080',
      token,
      options: { pending: 'tag' },
    });
    expect(await settings.getFireflySettings(family)).toMatchObject({
      url: 'http://firefly.local:8080',
      token,
      options: { pending: 'tag' },
    });
    expect(await settings.describeFireflySettings(family)).toMatchObject({
      url: 'http://firefly.local:8080',
      tokenSet: true,
    });
    expect(JSON.stringify(await settings.describeFireflySettings(family))).not.toContain('secret');
    // Another key cannot open it, and the raw file never holds the token.
    await expect(
      fireflySettingsRepository(opened.db, createSecretBox(Buffer.alloc(32, 4))).getFireflySettings(family),
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
      fireflySettingsRepository(reopened.db, box).saveFireflySettings(family, { url: 'not a url', token }),
    ).rejects.toThrow();
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

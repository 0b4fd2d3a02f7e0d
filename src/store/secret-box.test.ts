import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GENERATED_KEY_FILE,
  SecretKeyError,
  SecretOpenError,
  createSecretBox,
  loadSecretKey,
  makeKeyCheck,
  verifyKeyCheck,
} from './secret-box.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ss-key-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const none = { secretKey: undefined, secretKeyFile: undefined };

describe('SecretBox', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips text, with a fresh IV each time, in the v1 format', () => {
    const a = box.seal('Zm9vYmFyAccessKey==');
    const b = box.seal('Zm9vYmFyAccessKey==');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('AccessKey');
    expect(box.open(a)).toBe('Zm9vYmFyAccessKey==');
    expect(box.open(box.seal('é ✓ ü'))).toBe('é ✓ ü');
    expect(box.open(box.seal(''))).toBe('');
  });

  it('detects any changed byte instead of returning garbage', () => {
    const sealed = box.seal('secret value');
    const [v, iv, tag, ct] = sealed.split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] = buf[0]! ^ 1;
      return buf.toString('base64');
    };
    for (const bad of [
      [v, flip(iv), tag, ct],
      [v, iv, flip(tag), ct],
      [v, iv, tag, flip(ct)],
    ]) {
      expect(() => box.open(bad.join(':'))).toThrow(SecretOpenError);
    }
    expect(() => box.open(`v2:${iv}:${tag}:${ct}`)).toThrow(/not in a known format/);
    expect(() => box.open('plaintext')).toThrow(/not in a known format/);
  });

  it('binds a value to its associated data', () => {
    const sealed = box.seal('k', 'family-a');
    expect(box.open(sealed, 'family-a')).toBe('k');
    expect(() => box.open(sealed, 'family-b')).toThrow(SecretOpenError);
  });

  it('a wrong key fails to open and fails the key check with the documented message', () => {
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(box.seal('x'))).toThrow(SecretOpenError);
    const check = makeKeyCheck(box);
    expect(() => verifyKeyCheck(box, check, { source: 'SECRET_KEY' })).not.toThrow();
    expect(() => verifyKeyCheck(other, check, { source: 'SECRET_KEY' })).toThrow(
      /^SECRET_KEY does not match the key this data was encrypted with/,
    );
  });
});

describe('loadSecretKey', () => {
  it('generates a key file with mode 0600, says so once, and reuses it', () => {
    const dir = tmp();
    const said: string[] = [];
    const first = loadSecretKey(none, { dataDir: join(dir, 'data'), onGenerated: (f) => said.push(f) });
    const file = join(dir, 'data', GENERATED_KEY_FILE);
    expect(first.generated).toBe(true);
    expect(said).toEqual([file]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadSecretKey(none, { dataDir: join(dir, 'data'), onGenerated: (f) => said.push(f) });
    expect(again.generated).toBe(false);
    expect(said).toHaveLength(1);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it('accepts SECRET_KEY as base64 (standard and URL-safe) and as hex', () => {
    const raw = randomBytes(32);
    const dir = tmp();
    for (const text of [
      raw.toString('base64'),
      raw.toString('base64url'),
      raw.toString('hex'),
      raw.toString('hex').toUpperCase(),
      ` ${raw.toString('base64')}\n`,
    ]) {
      const k = loadSecretKey({ secretKey: text, secretKeyFile: undefined }, { dataDir: dir });
      expect(k.key.equals(raw)).toBe(true);
      expect(k.source).toBe('SECRET_KEY');
    }
    // An explicit key never writes a key file.
    expect(() => statSync(join(dir, GENERATED_KEY_FILE))).toThrow();
  });

  it('accepts SECRET_KEY_FILE (base64 or hex, trailing newline)', () => {
    const raw = randomBytes(32);
    const dir = tmp();
    const f = join(dir, 'key.txt');
    writeFileSync(f, `${raw.toString('base64')}\n`);
    expect(loadSecretKey({ secretKey: undefined, secretKeyFile: f }, { dataDir: dir }).key.equals(raw)).toBe(
      true,
    );
    writeFileSync(f, raw.toString('hex'));
    const k = loadSecretKey({ secretKey: undefined, secretKeyFile: f }, { dataDir: dir });
    expect(k.key.equals(raw)).toBe(true);
    expect(k.source).toBe('SECRET_KEY_FILE');
  });

  it('rejects a bad length or format naming the variable, and a missing file', () => {
    const dir = tmp();
    const short = randomBytes(16).toString('base64');
    expect(() => loadSecretKey({ secretKey: short, secretKeyFile: undefined }, { dataDir: dir })).toThrow(
      /^SECRET_KEY: must be 32 bytes .*got 16 bytes/,
    );
    expect(() =>
      loadSecretKey({ secretKey: 'not a key!', secretKeyFile: undefined }, { dataDir: dir }),
    ).toThrow(/^SECRET_KEY: must be 32 bytes/);
    const f = join(dir, 'k');
    writeFileSync(f, 'abcd');
    expect(() => loadSecretKey({ secretKey: undefined, secretKeyFile: f }, { dataDir: dir })).toThrow(
      /^SECRET_KEY_FILE: must be 32 bytes/,
    );
    expect(() =>
      loadSecretKey({ secretKey: undefined, secretKeyFile: join(dir, 'missing') }, { dataDir: dir }),
    ).toThrow(/^SECRET_KEY_FILE: cannot read .*missing \(ENOENT\)/);
    expect(() => loadSecretKey({ secretKey: short, secretKeyFile: f }, { dataDir: dir })).toThrow(
      SecretKeyError,
    );
    // The key text never appears in an error.
    try {
      loadSecretKey({ secretKey: short, secretKeyFile: undefined }, { dataDir: dir });
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
    expect(readFileSync(f, 'utf8')).toBe('abcd');
  });
});

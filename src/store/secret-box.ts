/**
 * Encryption at rest of stored secrets (Sophtron Access Keys, Firefly tokens): AES-256-GCM under
 * one 32-byte key. There is no plaintext mode: without SECRET_KEY or SECRET_KEY_FILE a key is
 * generated into an empty data folder (mode 0600) and reused; a folder that already holds data
 * and lost its key gets an error naming the file to restore, never a new, useless key.
 *
 * Sealed text is `v1:<iv b64>:<tag b64>:<ciphertext b64>`; the GCM tag makes a wrong key or a
 * changed byte fail loudly instead of opening to garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.js';

export const GENERATED_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** A sealed value could not be opened: wrong key, or the stored text was changed. */
export class SecretOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretOpenError';
  }
}

export interface SecretKey {
  key: Buffer;
  /** Where the key came from, for error messages (never the key itself). */
  source: 'SECRET_KEY' | 'SECRET_KEY_FILE' | 'generated';
  /** The file for SECRET_KEY_FILE and generated keys. */
  file?: string;
  /** True when this call created the key file. */
  generated: boolean;
}

/** Accepts 32 bytes written as 64 hex characters or as base64 (standard or URL-safe). */
export function parseSecretKey(text: string, variable: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === KEY_BYTES) return key;
    throw new SecretKeyError(
      `${variable}: must be 32 bytes as base64 or 64 hex characters (got ${key.length} bytes of base64); generate one with: openssl rand -base64 32`,
    );
  }
  throw new SecretKeyError(
    `${variable}: must be 32 bytes as base64 or 64 hex characters (got ${t.length} characters that are neither); generate one with: openssl rand -base64 32`,
  );
}

export interface LoadSecretKeyOptions {
  dataDir: string;
  /** Called once, only when a new key file was written (so the program can say so). */
  onGenerated?: (file: string) => void;
}

/**
 * SECRET_KEY wins, then SECRET_KEY_FILE, then `<dataDir>/secret.key` (created on first use).
 */
export function loadSecretKey(
  config: Pick<Config, 'secretKey' | 'secretKeyFile'>,
  options: LoadSecretKeyOptions,
): SecretKey {
  if (config.secretKey && config.secretKeyFile) {
    throw new SecretKeyError('SECRET_KEY and SECRET_KEY_FILE are both set: set only one of them');
  }
  if (config.secretKey) {
    return { key: parseSecretKey(config.secretKey, 'SECRET_KEY'), source: 'SECRET_KEY', generated: false };
  }
  if (config.secretKeyFile) {
    let text: string;
    try {
      text = readFileSync(config.secretKeyFile, 'utf8');
    } catch (err) {
      throw new SecretKeyError(
        `SECRET_KEY_FILE: cannot read ${config.secretKeyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    return {
      key: parseSecretKey(text, 'SECRET_KEY_FILE'),
      source: 'SECRET_KEY_FILE',
      file: config.secretKeyFile,
      generated: false,
    };
  }
  const file = join(options.dataDir, GENERATED_KEY_FILE);
  if (existsSync(file)) {
    return {
      key: parseSecretKey(readFileSync(file, 'utf8'), `the key file ${file}`),
      source: 'generated',
      file,
      generated: false,
    };
  }
  // A new key is only useful to a new folder: one that holds data needs the key it was made with.
  const held = dataFolderContents(options.dataDir);
  if (held.length > 0) throw new SecretKeyError(missingKeyMessage(file, options.dataDir, held));
  mkdirSync(options.dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  // 'wx' fails if another process created it meanwhile: then use theirs, never overwrite a key.
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return loadSecretKey(config, { dataDir: options.dataDir });
    }
    throw err;
  }
  chmodSync(file, 0o600); // the umask may have cleared bits; make the mode exact
  options.onGenerated?.(file);
  return { key, source: 'generated', file, generated: true };
}

/** What a data folder holds, leaving out what a new folder or volume may have (dot files, lost+found). */
function dataFolderContents(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => !n.startsWith('.') && n !== 'lost+found' && n !== GENERATED_KEY_FILE).sort();
}

function missingKeyMessage(file: string, dataDir: string, held: string[]): string {
  const shown = held.slice(0, 3).join(', ') + (held.length > 3 ? ', …' : '');
  return (
    `${file} is missing, and ${dataDir} already holds data (${shown}) encrypted with that key. ` +
    `No new key was made (it could not open the stored secrets): restore ${GENERATED_KEY_FILE} from your backup ` +
    `into ${dataDir}, or set SECRET_KEY or SECRET_KEY_FILE to the key this data was encrypted with.`
  );
}

/** A key generated just now met a database (PostgreSQL, not in the data folder) made with another. */
export function missingKeyForDatabaseMessage(file: string, database: string): string {
  return (
    `${file} is missing: the database ${database} holds data encrypted with another key, which a new key does not match. ` +
    `No new key was kept (it could not open the stored secrets): restore ${GENERATED_KEY_FILE} from your backup ` +
    `into ${dirname(file)}, or set SECRET_KEY or SECRET_KEY_FILE to the key this data was encrypted with.`
  );
}

export interface SecretBox {
  /** `aad` binds the value to its place (e.g. the family), so it cannot be moved to another row. */
  seal(plaintext: string, aad?: string): string;
  open(sealed: string, aad?: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`secret key must be ${KEY_BYTES} bytes`);
  const k = Buffer.from(key);
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64'), tag.toString('base64'), ct.toString('base64')].join(':');
    },
    open(sealed, aad) {
      const parts = sealed.split(':');
      if (parts.length !== 4 || parts[0] !== VERSION) {
        throw new SecretOpenError('stored secret is not in a known format');
      }
      const iv = Buffer.from(parts[1]!, 'base64');
      const tag = Buffer.from(parts[2]!, 'base64');
      const ct = Buffer.from(parts[3]!, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== 16) {
        throw new SecretOpenError('stored secret is not in a known format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, iv);
        if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretOpenError('stored secret could not be decrypted: wrong key or changed data');
      }
    },
  };
}

const CHECK_PLAINTEXT = 'sophtron-sync key check';
const CHECK_AAD = 'meta:secret_key_check';

/** The value stored in `meta` once, to tell a wrong key from a right one at open. */
export function makeKeyCheck(box: SecretBox): string {
  return box.seal(CHECK_PLAINTEXT, CHECK_AAD);
}

export function keyMismatchMessage(key: Pick<SecretKey, 'source' | 'file'>): string {
  const from =
    key.source === 'SECRET_KEY'
      ? 'the key came from SECRET_KEY'
      : key.source === 'SECRET_KEY_FILE'
        ? `the key came from SECRET_KEY_FILE=${key.file}`
        : `the key came from the generated file ${key.file}`;
  return `SECRET_KEY does not match the key this data was encrypted with (${from}); use the original key, or a new DATA_DIR`;
}

/** Throws SecretKeyError with the documented message when `check` was made under another key. */
export function verifyKeyCheck(box: SecretBox, check: string, key: Pick<SecretKey, 'source' | 'file'>): void {
  let opened: string;
  try {
    opened = box.open(check, CHECK_AAD);
  } catch {
    throw new SecretKeyError(keyMismatchMessage(key));
  }
  if (opened !== CHECK_PLAINTEXT) throw new SecretKeyError(keyMismatchMessage(key));
}

/**
 * The store's repositories over a database a test or bench opened itself (openDatabase), for code
 * that takes a store. Nothing here reads a secret, so the box's key is a throwaway one.
 */
import { randomBytes } from 'node:crypto';
import { bindRepositories } from '../../src/store/index.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import type { Db } from '../../src/store/util.js';

export function storeOver(db: Db) {
  return { db, ...bindRepositories(db, createSecretBox(randomBytes(32))) };
}

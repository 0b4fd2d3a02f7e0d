/**
 * The one-time code that guards the creation of the first user: printed on the server's console
 * only, so nobody else on the network can claim a fresh instance.
 */
import { randomInt } from 'node:crypto';
import { safeEqual } from './tokens.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read from a console

export function generateSetupCode(): string {
  let out = '';
  for (let i = 0; i < 12; i++) {
    if (i && i % 4 === 0) out += '-';
    out += ALPHABET[randomInt(ALPHABET.length)];
  }
  return out;
}

const normalise = (code: string): string => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function setupCodeMatches(expected: string, given: string): boolean {
  return safeEqual(normalise(expected), normalise(given));
}

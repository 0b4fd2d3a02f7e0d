/**
 * The user's choices at linking and their defaults: kind from Sophtron's account type, how a
 * balance is shown (the balance rule), and the currency. Pure functions, shared by the CLI, the
 * web pages and the sync engine.
 *
 * Sophtron does not document the sign of a card or loan balance (the users of Sure's Sophtron
 * provider see it both ways), so a card/loan shows the amount owed as a positive number by default
 * (`owed_positive`), and each account can choose `as_reported` or `negate` instead.
 */
import type { ProviderAccountType } from '../domain/types.js';
import type { AccountKind, BalanceRule } from './schema.js';

export const ACCOUNT_KINDS: readonly AccountKind[] = ['depository', 'credit_card', 'investment', 'loan'];
export const BALANCE_RULES: readonly BalanceRule[] = ['as_reported', 'negate', 'owed_positive'];

export function defaultKind(type: ProviderAccountType | string): AccountKind {
  switch (type) {
    case 'credit_card':
      return 'credit_card';
    case 'loan':
    case 'mortgage':
      return 'loan';
    case 'investment':
      return 'investment';
    default:
      return 'depository';
  }
}

export function defaultBalanceRule(kind: AccountKind): BalanceRule {
  return kind === 'credit_card' || kind === 'loan' ? 'owed_positive' : 'as_reported';
}

/** Sophtron's balance (minor units) as the ledger shows it; null stays null. */
export function applyBalanceRule(rule: BalanceRule, minor: number | null): number | null {
  if (minor === null) return null;
  switch (rule) {
    case 'as_reported':
      return minor;
    case 'negate':
      return minor === 0 ? 0 : -minor;
    case 'owed_positive':
      return Math.abs(minor);
  }
}

const ISO_CURRENCY = /^[A-Z]{3}$/;

/**
 * An ISO code Sophtron sent wins (rare: it usually sends "$"); then CAD for a Canadian
 * institution; otherwise USD.
 */
export function defaultCurrency(currencyHint: string | null, countryCode: string | null): string {
  const hint = currencyHint?.trim().toUpperCase() ?? '';
  if (ISO_CURRENCY.test(hint)) return hint;
  if (countryCode?.toUpperCase() === 'CA') return 'CAD';
  return 'USD';
}

export function isCurrencyCode(text: string): boolean {
  return ISO_CURRENCY.test(text);
}

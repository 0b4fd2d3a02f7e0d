import { describe, expect, it } from 'vitest';
import {
  accountStoreBody,
  openingBalanceFor,
  signedBankBalance,
  type DeliverableAccount,
} from './accounts.js';

const account = (over: Partial<DeliverableAccount> = {}): DeliverableAccount => ({
  id: 'a',
  name: 'Checking',
  kind: 'depository',
  currency: 'USD',
  balance_rule: 'as_reported',
  sophtron_account_id: 's',
  provider_type: 'checking',
  number_mask: 'xxx1',
  bank_current_minor: 10_000,
  bank_raw_minor: 10_000,
  bank_taken_at: null,
  ...over,
});

describe('accounts', () => {
  it('reads a card balance shown as the amount owed back as money owed, and a card in credit as credit', () => {
    const card = account({ kind: 'credit_card', balance_rule: 'owed_positive' });
    expect(signedBankBalance({ ...card, bank_raw_minor: -500 }, 500)).toBe(-500);
    expect(signedBankBalance({ ...card, bank_raw_minor: 500 }, 500)).toBe(500);
    expect(signedBankBalance({ ...card, bank_raw_minor: null }, 500)).toBe(-500);
    expect(signedBankBalance(account(), -300)).toBe(-300);
  });

  it('chooses the opening balance so that Firefly ends at the bank balance, dated the day before the first transaction', () => {
    expect(
      openingBalanceFor(account({ bank_current_minor: 10_000 }), 2_500, '2026-03-01', '2026-04-01'),
    ).toEqual({
      minor: 7_500,
      date: '2026-02-28',
    });
    expect(openingBalanceFor(account({ bank_current_minor: null }), 0, null, '2026-04-01')).toEqual({
      minor: null,
      date: '2026-04-01',
    });
  });

  it('creates assets and liabilities of the right kind, in the account currency, never a silent EUR', () => {
    const asset = accountStoreBody(
      account({ currency: 'CAD' }),
      null,
      { minor: 1_234, date: '2026-01-01' },
      'UTC',
    );
    expect(asset).toMatchObject({
      type: 'asset',
      account_role: 'defaultAsset',
      currency_code: 'CAD',
      opening_balance: '12.34',
      opening_balance_date: '2026-01-01T12:00:00+00:00',
    });
    const card = accountStoreBody(
      account({ kind: 'credit_card', name: 'Visa' }),
      null,
      { minor: -5_000, date: '2026-01-01' },
      'UTC',
    );
    expect(card).toMatchObject({
      type: 'liabilities',
      liability_type: 'debt',
      liability_direction: 'debit',
      opening_balance: '50.00',
    });
    const mortgage = accountStoreBody(
      account({ kind: 'loan', provider_type: 'mortgage' }),
      null,
      { minor: 0, date: '2026-01-01' },
      'UTC',
    );
    expect(mortgage).toMatchObject({ type: 'liabilities', liability_type: 'mortgage' });
    expect(mortgage).not.toHaveProperty('opening_balance');
    const named = accountStoreBody(
      account(),
      { kind: 'new', name: 'My bank', currency: 'usd' },
      { minor: null, date: '2026-01-01' },
      'UTC',
    );
    expect(named).toMatchObject({ name: 'My bank', currency_code: 'USD' });
  });
});

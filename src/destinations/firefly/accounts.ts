/**
 * Ledger accounts → Firefly III accounts: use the account the user chose, or create one of the
 * right type (asset for depository and investment; a liability for card and loan, owed by the
 * user) in the account's own currency. A new account's opening balance is chosen so that after
 * the delivered history Firefly's balance equals the bank's — the data importer books today's
 * balance as the opening balance and so counts the history twice.
 */
import { addDays } from '../../dates.js';
import type { FireflyAccountRow, Store } from '../../store/index.js';
import type { AccountKind } from '../../store/schema.js';
import {
  FireflyAuthError,
  FireflyError,
  FireflyRateLimitedError,
  FireflyUnknownOutcomeError,
  FireflyUnreachableError,
  FireflyValidationError,
  type AccountStoreBody,
  type FireflyAccount,
  type FireflyClient,
} from './client.js';
import { minorToDecimal } from '../../money.js';
import { fireflyDate } from './convert.js';
import type { DeliverableAccount } from '../../store/firefly-delivery.js';

export type { DeliverableAccount } from '../../store/firefly-delivery.js';

/** What the user asked for (the import configuration's `accounts`/`new_accounts`). */
export type AccountTarget =
  | { kind: 'existing'; fireflyAccountId: string }
  | {
      kind: 'new';
      name?: string;
      type?: 'asset' | 'liabilities';
      currency?: string;
      liabilityType?: 'loan' | 'debt' | 'mortgage';
      liabilityDirection?: 'credit' | 'debit';
    };

export function isLiabilityKind(kind: AccountKind): boolean {
  return kind === 'credit_card' || kind === 'loan';
}

/**
 * The bank's balance in the money convention Firefly uses (negative = owed). A card or loan shown
 * as the positive amount owed (`owed_positive`) is turned back into a negative number — except
 * when Sophtron's own figure for the same balance is positive: then the card is in credit (a
 * refund or an overpayment), which `owed_positive` cannot show.
 */
export function signedBankBalance(
  account: Pick<DeliverableAccount, 'kind' | 'balance_rule'> & { bank_raw_minor?: number | null },
  current: number,
): number {
  if (isLiabilityKind(account.kind) && account.balance_rule === 'owed_positive') {
    const raw = account.bank_raw_minor;
    if (raw !== undefined && raw !== null && raw > 0 && Math.abs(raw) === Math.abs(current))
      return Math.abs(current);
    return -Math.abs(current);
  }
  return current;
}

export interface OpeningBalance {
  /** Signed minor units (money convention), or null when the bank's balance is unknown. */
  minor: number | null;
  date: string;
}

/** opening = bank balance − sum(delivered history), dated the day before the first transaction. */
export function openingBalanceFor(
  account: Pick<DeliverableAccount, 'kind' | 'balance_rule' | 'bank_current_minor' | 'bank_raw_minor'>,
  historySumMinor: number,
  firstDate: string | null,
  today: string,
): OpeningBalance {
  const date = firstDate ? addDays(firstDate, -1) : today;
  if (account.bank_current_minor === null) return { minor: null, date };
  return { minor: signedBankBalance(account, account.bank_current_minor) - historySumMinor, date };
}

export function accountStoreBody(
  account: DeliverableAccount,
  target: Extract<AccountTarget, { kind: 'new' }> | null,
  opening: OpeningBalance,
  timeZone: string,
): AccountStoreBody {
  const liability = target?.type ? target.type === 'liabilities' : isLiabilityKind(account.kind);
  const body: AccountStoreBody = {
    name: (target?.name?.trim() || account.name).slice(0, 255),
    type: liability ? 'liabilities' : 'asset',
    currency_code: (target?.currency?.trim() || account.currency).toUpperCase(),
    active: true,
    include_net_worth: true,
  };
  if (liability) {
    body.liability_type =
      target?.liabilityType ??
      (account.kind === 'credit_card' ? 'debt' : account.provider_type === 'mortgage' ? 'mortgage' : 'loan');
    // "debit": the user owes this debt (Firefly's LiabilityDirectionProperty).
    body.liability_direction = target?.liabilityDirection ?? 'debit';
    body.interest = '0';
    body.interest_period = 'monthly';
  } else {
    body.account_role = account.kind === 'investment' ? 'savingAsset' : 'defaultAsset';
  }
  if (opening.minor !== null && opening.minor !== 0) {
    // A liability's opening balance is the amount owed, written as a positive number.
    const amount = liability && body.liability_direction === 'debit' ? -opening.minor : opening.minor;
    body.opening_balance = minorToDecimal(amount, body.currency_code);
    body.opening_balance_date = fireflyDate(opening.date, timeZone);
  }
  body.notes = `Created by Sophtron Sync for ${account.name}${account.number_mask ? ` (${account.number_mask})` : ''}.`;
  return body;
}

/** What linking accounts reads and writes of the store. */
export type AccountLinkStore = Pick<Store, 'fireflyAccountLinks' | 'upsertFireflyAccount'>;

export interface EnsureAccountsResult {
  /** Ledger account id → Firefly account row (state 'linked'). */
  linked: Map<string, FireflyAccountRow>;
  created: string[];
  warnings: string[];
  /** Accounts Firefly would not take (their transactions wait for the next run). */
  failures: { accountId: string; message: string }[];
}

/**
 * Makes sure every account has a Firefly account. `history` gives, per account, the sum and first
 * date of what this delivery will send, for the opening balance of accounts created now.
 */
export async function ensureAccounts(
  store: AccountLinkStore,
  client: FireflyClient,
  familyId: string,
  accounts: DeliverableAccount[],
  targets: Map<string, AccountTarget>,
  history: Map<string, { sumMinor: number; firstDate: string | null }>,
  options: { timeZone: string; today: string },
): Promise<EnsureAccountsResult> {
  const existing = await store.fireflyAccountLinks(familyId);
  const linked = new Map<string, FireflyAccountRow>();
  const created: string[] = [];
  const warnings: string[] = [];
  const failures: { accountId: string; message: string }[] = [];
  let fireflyList: FireflyAccount[] | null = null;
  const listAll = async () => (fireflyList ??= await client.listAccounts('all'));

  const ensureOne = async (account: DeliverableAccount): Promise<void> => {
    const row = existing.get(account.id);
    const target = targets.get(account.id) ?? null;
    if (
      row?.state === 'linked' &&
      (!target || target.kind === 'new' || target.fireflyAccountId === row.firefly_account_id)
    ) {
      linked.set(account.id, row);
      return;
    }
    if (target?.kind === 'existing') {
      const ff =
        (await listAll()).find((a) => a.id === target.fireflyAccountId) ??
        (await client.getAccount(target.fireflyAccountId));
      if (ff.currency_code && ff.currency_code !== account.currency) {
        warnings.push(
          `${account.name}: the Firefly III account "${ff.name}" is in ${ff.currency_code}, the bank account in ${account.currency}`,
        );
      }
      const r = await link(store, familyId, account.id, ff, false, null);
      linked.set(account.id, r);
      return;
    }
    const h = history.get(account.id) ?? { sumMinor: 0, firstDate: null };
    const opening = openingBalanceFor(account, h.sumMinor, h.firstDate, options.today);
    if (opening.minor === null) {
      warnings.push(
        `${account.name}: the bank's balance is unknown, so the new Firefly III account has no opening balance`,
      );
    }
    const body = accountStoreBody(account, target?.kind === 'new' ? target : null, opening, options.timeZone);
    const sameName = (a: FireflyAccount) =>
      a.name === body.name &&
      (a.type === body.type || (body.type === 'liabilities' && a.type === 'liability'));
    if (row?.state === 'creating') {
      // The last run died between asking Firefly to create the account and hearing back.
      const found = (await listAll()).find(sameName);
      if (found) {
        linked.set(account.id, await link(store, familyId, account.id, found, true, row));
        return;
      }
    }
    await store.upsertFireflyAccount(familyId, {
      family_id: familyId,
      account_id: account.id,
      state: 'creating',
      firefly_account_id: null,
      firefly_name: body.name,
      firefly_type: body.type,
      created_by_us: 1,
      opening_balance_minor: opening.minor,
      opening_balance_date: opening.date,
    });
    let ff: FireflyAccount;
    try {
      // A lost answer (no answer, a 5xx) is resolved by looking for the account by name: the
      // create is sent again only when Firefly does not have it.
      let made: FireflyAccount | undefined;
      for (let attempt = 1; !made; attempt++) {
        try {
          made = await client.createAccount(body);
        } catch (err) {
          if (!(err instanceof FireflyUnknownOutcomeError) || attempt >= 4) throw err;
          made = (await client.listAccounts('all')).find(sameName);
        }
      }
      ff = made;
      created.push(account.id);
    } catch (err) {
      if (
        err instanceof FireflyValidationError &&
        err.fieldErrors.some((e) => e.field.startsWith('currency'))
      ) {
        throw new FireflyError(
          `${account.name}: Firefly III does not accept the currency ${body.currency_code}; enable it in Firefly III (Options → Currencies) and run again`,
          422,
        );
      }
      const taken =
        err instanceof FireflyValidationError &&
        err.fieldErrors.some(
          (e) => e.field === 'name' && e.messages.some((m) => /in use|taken|exists/i.test(m)),
        );
      const found = taken ? (await client.listAccounts('all')).find(sameName) : undefined;
      if (!found) throw err;
      warnings.push(
        `${account.name}: Firefly III already has an account named "${body.name}"; delivering into it`,
      );
      ff = found;
      linked.set(account.id, await link(store, familyId, account.id, ff, false, null));
      return;
    }
    const r = await link(store, familyId, account.id, ff, true, {
      opening_balance_minor: opening.minor,
      opening_balance_date: opening.date,
    });
    linked.set(account.id, r);
  };
  for (const account of accounts) {
    try {
      await ensureOne(account);
    } catch (err) {
      // One account Firefly refuses does not stop the others; a refused token or no answer does.
      if (
        !(err instanceof FireflyError) ||
        err instanceof FireflyAuthError ||
        err instanceof FireflyUnreachableError ||
        err instanceof FireflyRateLimitedError
      )
        throw err;
      failures.push({ accountId: account.id, message: err.message });
    }
  }
  return { linked, created, warnings, failures };
}

async function link(
  store: AccountLinkStore,
  familyId: string,
  accountId: string,
  ff: FireflyAccount,
  createdByUs: boolean,
  opening: Pick<FireflyAccountRow, 'opening_balance_minor' | 'opening_balance_date'> | null,
): Promise<FireflyAccountRow> {
  const row = {
    family_id: familyId,
    account_id: accountId,
    state: 'linked' as const,
    firefly_account_id: ff.id,
    firefly_name: ff.name,
    firefly_type: ff.type === 'liability' ? 'liabilities' : ff.type,
    created_by_us: createdByUs ? 1 : 0,
    opening_balance_minor: opening?.opening_balance_minor ?? null,
    opening_balance_date: opening?.opening_balance_date ?? null,
  };
  await store.upsertFireflyAccount(familyId, row);
  return {
    ...row,
    checked_at: null,
    checked_firefly_minor: null,
    checked_bank_minor: null,
    updated_at: new Date().toISOString(),
  };
}

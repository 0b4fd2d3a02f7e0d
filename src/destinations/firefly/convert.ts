/**
 * Pure conversion of a ledger transaction into one Firefly III transaction group (one split).
 * No I/O: everything it needs (target account, mapping, options) is passed in, so each rule here
 * is tested directly.
 */
import { wallClockIn } from '../../dates.js';
import { minorToDecimal } from '../../money.js';
import type { DeliveryLedgerRow } from '../../store/firefly-delivery.js';
import type { TransactionSplitBody, TransactionStoreBody } from './client.js';

/** The ledger transaction fields a conversion reads (a ledger row has them all). */
export type ConvertibleTransaction = DeliveryLedgerRow;

export interface TargetAccount {
  ledgerAccountId: string;
  fireflyAccountId: string;
  /** Sophtron's account id (for the namespaced external_id), null for unlinked ledger accounts. */
  sophtronAccountId: string | null;
}

/** A Firefly account the user mapped an opposing name to (FIDI `mapping["0"]`). */
export interface MappedAccount {
  id: string;
  /** Firefly's short type: asset, liabilities, expense, revenue... */
  type: string;
}

export type PendingMode = 'skip' | 'tag';

export interface ConvertOptions {
  pending: PendingMode;
  /** The import tag with placeholders already filled in, or null for none. */
  importTag: string | null;
  applyRules: boolean;
  fireWebhooks: boolean;
  errorIfDuplicateHash: boolean;
  timeZone: string;
  /** Opposing name → Firefly account (exact names first, then case-insensitively). */
  mapping: Map<string, MappedAccount>;
}

export const PENDING_TAG = 'pending';

export type Converted =
  | { kind: 'skip'; reason: 'zero_amount' | 'pending' | 'vanished'; warning: string | null }
  | {
      kind: 'group';
      externalId: string;
      body: TransactionStoreBody;
      /** Set for a transfer between two of the user's accounts: the other Firefly account. */
      transferCounterpart: string | null;
    };

export function externalIdFor(target: TargetAccount, tx: ConvertibleTransaction): string {
  const ns = target.sophtronAccountId
    ? `sophtron:${target.sophtronAccountId}`
    : `ledger:${target.ledgerAccountId}`;
  return `${ns}:${tx.provider_transaction_id}`.slice(0, 255);
}

export function convertTransaction(
  tx: ConvertibleTransaction,
  target: TargetAccount,
  options: ConvertOptions,
): Converted {
  if (tx.status === 'vanished') return { kind: 'skip', reason: 'vanished', warning: null };
  if (tx.status === 'pending' && options.pending === 'skip') {
    return { kind: 'skip', reason: 'pending', warning: null };
  }
  if (tx.amount_minor === 0) {
    return {
      kind: 'skip',
      reason: 'zero_amount',
      warning: `skipped a transaction of 0.00 on ${tx.date} (${describe(tx)}): Firefly III does not accept zero amounts`,
    };
  }
  const outgoing = tx.amount_minor < 0;
  const opposing = opposingName(tx);
  const mapped = findMapped(options.mapping, opposing);
  const own = target.fireflyAccountId;
  const isTransfer = mapped !== null && isOwnAccountType(mapped.type) && mapped.id !== own;

  const split: TransactionSplitBody = {
    type: isTransfer ? 'transfer' : outgoing ? 'withdrawal' : 'deposit',
    date: fireflyDate(tx.date, options.timeZone),
    amount: minorToDecimal(Math.abs(tx.amount_minor), tx.currency),
    description: describe(tx),
    currency_code: tx.currency,
    external_id: externalIdFor(target, tx),
    internal_reference: tx.provider_transaction_id.slice(0, 255),
    order: 0,
  };
  // Cash taken out or paid in names no other party: Firefly books it on the user's cash account
  // (created on first use), not on an expense or revenue account named after the ATM.
  const cash = !mapped && isCashMovement(tx, outgoing);
  if (outgoing) {
    split.source_id = own;
    if (mapped) split.destination_id = mapped.id;
    else if (!cash) split.destination_name = opposing ?? '(unknown expense account)';
  } else {
    split.destination_id = own;
    if (mapped) split.source_id = mapped.id;
    else if (!cash) split.source_name = opposing ?? '(unknown revenue account)';
  }
  if (tx.category) split.category_name = tx.category.slice(0, 255);
  const notes = [tx.memo, tx.check_number ? `Check number: ${tx.check_number}` : null]
    .filter(Boolean)
    .join('\n');
  if (notes) split.notes = notes.slice(0, 32_768);
  if (tx.post_date) split.book_date = fireflyDate(tx.post_date, options.timeZone);
  if (tx.transaction_date) split.process_date = fireflyDate(tx.transaction_date, options.timeZone);
  const tags = [options.importTag, tx.status === 'pending' ? PENDING_TAG : null].filter(
    (t): t is string => !!t,
  );
  split.tags = tags;

  return {
    kind: 'group',
    externalId: split.external_id!,
    transferCounterpart: isTransfer ? mapped.id : null,
    body: {
      error_if_duplicate_hash: options.errorIfDuplicateHash,
      apply_rules: options.applyRules,
      fire_webhooks: options.fireWebhooks,
      transactions: [split],
    },
  };
}

const ATM = /\bATM\b/i;
const CASH_OUT = /\bCASH\s+(WITHDRAWAL|WDL|ADVANCE)\b/i;
const CASH_IN = /\b(ATM|CASH)\b.*\bDEPOSIT\b|\bDEPOSIT\b.*\b(ATM|CASH)\b/i;
/** What the bank charges or returns around cash (a fee, its refund) and moves between accounts. */
const NOT_CASH =
  /\b(FEES?|SURCHARGE|CHARGE|REBATE|REFUND|REIMB\w*|REVERSAL|INTEREST|TRANSFER|XFER|PAYMENT)\b/i;

/**
 * Cash out of the account (an ATM or counter withdrawal, a card's cash advance) or paid into it
 * (an ATM or cash deposit), by the bank's words or its category. The fee for it is not cash.
 */
export function isCashMovement(
  tx: Pick<ConvertibleTransaction, 'description' | 'merchant' | 'category'>,
  outgoing: boolean,
): boolean {
  const text = `${tx.description ?? ''} ${tx.merchant ?? ''}`;
  if (NOT_CASH.test(text)) return false;
  if (!outgoing) return CASH_IN.test(text);
  return ATM.test(text) || CASH_OUT.test(text) || ATM.test(tx.category ?? '');
}

function isOwnAccountType(type: string): boolean {
  return ['asset', 'Asset account', 'Default account'].includes(type);
}

function describe(tx: ConvertibleTransaction): string {
  const text = (tx.description ?? '').trim() || (tx.merchant ?? '').trim() || '(no description)';
  return text.slice(0, 1000);
}

/** The other party: the merchant, else the description without card numbers, dates and references. */
export function opposingName(tx: Pick<ConvertibleTransaction, 'merchant' | 'description'>): string | null {
  const merchant = tx.merchant?.trim();
  if (merchant) return merchant.slice(0, 255);
  const cleaned = cleanDescription(tx.description ?? '');
  return cleaned ? cleaned.slice(0, 255) : null;
}

export function cleanDescription(text: string): string {
  return text
    .replace(
      /\b(POS|ACH|DEBIT|CREDIT|PURCHASE|CHECKCARD|CHECK CARD|RECURRING|ONLINE|WEB|PMT|PAYMENT)\b/gi,
      ' ',
    )
    .replace(/#\s*\d+/g, ' ') // store numbers
    .replace(/\b(x+|\*+)?\d{4,}\b/gi, ' ') // card numbers, references
    .replace(/\b\d{1,2}\/\d{1,2}(\/\d{2,4})?\b/g, ' ') // dates
    .replace(/[#*]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function findMapped(mapping: Map<string, MappedAccount>, name: string | null): MappedAccount | null {
  if (!name || mapping.size === 0) return null;
  const exact = mapping.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of mapping) if (k.trim().toLowerCase() === lower) return v;
  return null;
}

/**
 * A calendar date as a Firefly date-time: noon in the family's time zone, with its offset. Noon
 * keeps the same calendar day even when Firefly runs in another time zone (up to ±11 hours).
 */
export function fireflyDate(date: string, timeZone: string): string {
  return `${date}T12:00:00${utcOffset(date, timeZone)}`;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat | null>();
const offsets = new Map<string, string>();

// Formatters are costly to build and a history has few distinct dates: both are cached.
function utcOffset(date: string, timeZone: string): string {
  const key = `${timeZone} ${date}`;
  let offset = offsets.get(key);
  if (offset !== undefined) return offset;
  let format = offsetFormats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    } catch {
      format = null;
    }
    offsetFormats.set(timeZone, format);
  }
  const part = format
    ?.formatToParts(new Date(`${date}T12:00:00Z`))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = part ? /GMT([+-]\d{2}):?(\d{2})?/.exec(part) : null;
  offset = m ? `${m[1]}:${m[2] ?? '00'}` : '+00:00';
  if (offsets.size > 100_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * The import tag, with the data importer's placeholders: %year% %month% %month_full% %day%
 * %day_of_week% %hour% %minute% %second% %date% %time% %datetime% %version%. Without a custom
 * tag it is the importer's "Data Import on Y-m-d @ H:i".
 */
export function importTag(
  custom: string | null | undefined,
  now: Date,
  timeZone: string,
  version: string,
): string {
  const { date, hour, minute, second } = wallClockIn(now, timeZone);
  const [year, month, day] = date.split('-') as [string, string, string];
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  const time = `${hour}:${minute}:${second}`;
  const values: Record<string, string> = {
    year,
    month,
    month_full: MONTHS[Number(month) - 1]!,
    day,
    day_of_week: DAYS[weekday]!,
    hour,
    minute,
    second,
    date,
    time,
    datetime: `${date} ${time}`,
    version,
  };
  const template = custom?.trim() ? custom : `Data Import on ${date} @ ${hour}:${minute}`;
  return template.replace(/%([a-z_]+)%/g, (all, key: string) => values[key] ?? all).slice(0, 255);
}

/**
 * The PUT body that brings a delivered group up to date with its ledger transaction. Firefly
 * replaces a group's tags with the list a PUT sends, so `tags` is what the group should carry
 * (the caller merges the user's own tags in), and null leaves the group's tags as they are.
 */
export function updateBodyFor(
  body: TransactionStoreBody,
  journalId: string | null,
  tags: string[] | null,
): { apply_rules: boolean; fire_webhooks: boolean; transactions: Partial<TransactionSplitBody>[] } {
  const split: Partial<TransactionSplitBody> = { ...body.transactions[0]! };
  if (tags) split.tags = tags;
  else delete split.tags;
  if (journalId) split.transaction_journal_id = journalId;
  return { apply_rules: false, fire_webhooks: body.fire_webhooks ?? true, transactions: [split] };
}

/**
 * The tags a delivered group keeps on an update: everything it has now (the user's, the first
 * import's tag) with the "pending" tag set or cleared to match the transaction.
 */
export function mergeTags(current: readonly string[], pending: boolean): string[] {
  const kept = current.filter((t) => t !== PENDING_TAG);
  return pending ? [...kept, PENDING_TAG] : kept;
}

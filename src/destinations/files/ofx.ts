/**
 * OFX 2.2 (XML) export, one statement per account: BANKMSGSRSV1 for depository, investment cash
 * and loans, CREDITCARDMSGSRSV1 for cards. FITID is the ledger transaction id, which survives the
 * pending→posted merge (Sophtron's TransactionID does not), so importers that dedupe by FITID
 * (GnuCash, Firefly III's importers, most desktop tools) never double a transaction.
 *
 * Pending transactions are left out by default: OFX has no pending state, and an importer that
 * keeps the first version of a FITID would keep the pending amount forever.
 */
import { minorToDecimal } from '../../money.js';
import type { ExportAccount, ExportData, ExportTransaction } from './query.js';

export interface OfxOptions {
  includePending?: boolean;
  /** The moment written as DTSERVER (tests pass a fixed one). */
  now?: Date;
}

/** XML-escapes a text field; OFX text is one line, and some parsers break on tabs or newlines in it. */
const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\t\r\n]+/g, ' ')
    // eslint-disable-next-line no-control-regex -- control characters are not allowed in XML
    .replace(/[\u0000-\u001f\u007f]/g, '');

/**
 * Calendar date → OFX date at noon GMT: an importer that converts to its local zone still lands on
 * the same day anywhere from UTC−11 to UTC+11 (a bare midnight would move US users a day back).
 */
const ofxDate = (calendarDate: string): string => `${calendarDate.replace(/-/g, '')}120000`;

const ofxDateTime = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);

/** OFX ACCTID is at most 22 characters: the ledger id without dashes, cut, stays unique in practice. */
export const ofxAccountId = (accountId: string): string => accountId.replace(/-/g, '').slice(0, 22);

function bankAccountType(a: ExportAccount): string {
  if (a.kind === 'loan') return 'CREDITLINE';
  if (a.kind === 'investment') return 'MONEYMRKT';
  return /sav/i.test(a.subType ?? '') || /sav/i.test(a.name) ? 'SAVINGS' : 'CHECKING';
}

function trnType(t: ExportTransaction): string {
  if (t.checkNumber) return 'CHECK';
  if (t.amountMinor < 0) return 'DEBIT';
  if (t.amountMinor > 0) return 'CREDIT';
  return 'OTHER';
}

function stmtTrn(t: ExportTransaction): string {
  const name = (t.merchant || t.description || 'Transaction').trim();
  const memoParts = [t.description && t.description !== name ? t.description : null, t.memo].filter(
    (x): x is string => !!x,
  );
  return [
    '<STMTTRN>',
    `<TRNTYPE>${trnType(t)}</TRNTYPE>`,
    `<DTPOSTED>${ofxDate(t.postDate ?? t.date)}</DTPOSTED>`,
    t.transactionDate ? `<DTUSER>${ofxDate(t.transactionDate)}</DTUSER>` : '',
    `<TRNAMT>${minorToDecimal(t.amountMinor, t.currency)}</TRNAMT>`,
    `<FITID>${t.id}</FITID>`,
    t.checkNumber ? `<CHECKNUM>${esc(t.checkNumber.slice(0, 12))}</CHECKNUM>` : '',
    `<NAME>${esc(name.slice(0, 32))}</NAME>`,
    memoParts.length ? `<MEMO>${esc(memoParts.join(' — ').slice(0, 255))}</MEMO>` : '',
    '</STMTTRN>',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The ledger balance as OFX expects it: negative = owed, whatever the account's display rule. */
function ledgerBalance(a: ExportAccount): string | null {
  const current = a.balance?.currentMinor;
  if (current === null || current === undefined || !a.balance) return null;
  const owedShownPositive =
    a.balanceRule === 'owed_positive' && (a.kind === 'credit_card' || a.kind === 'loan');
  const amount = owedShownPositive ? -current : current;
  return `<LEDGERBAL><BALAMT>${minorToDecimal(amount, a.currency)}</BALAMT><DTASOF>${ofxDateTime(new Date(a.balance.asOf))}</DTASOF></LEDGERBAL>`;
}

const STATUS_OK = '<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>';

function statement(a: ExportAccount, txs: ExportTransaction[], index: number, now: Date): string {
  const dates = txs.map((t) => t.postDate ?? t.date).sort();
  const today = now.toISOString().slice(0, 10);
  const start = ofxDate(dates[0] ?? today);
  const end = ofxDate(dates[dates.length - 1] ?? today);
  const list = `<BANKTRANLIST><DTSTART>${start}</DTSTART><DTEND>${end}</DTEND>\n${txs.map(stmtTrn).join('\n')}\n</BANKTRANLIST>`;
  const bal = ledgerBalance(a) ?? '';
  const acctId = esc(ofxAccountId(a.id));
  if (a.kind === 'credit_card') {
    return `<CCSTMTTRNRS><TRNUID>${index}</TRNUID>${STATUS_OK}<CCSTMTRS><CURDEF>${esc(a.currency)}</CURDEF><CCACCTFROM><ACCTID>${acctId}</ACCTID></CCACCTFROM>\n${list}\n${bal}</CCSTMTRS></CCSTMTTRNRS>`;
  }
  return `<STMTTRNRS><TRNUID>${index}</TRNUID>${STATUS_OK}<STMTRS><CURDEF>${esc(a.currency)}</CURDEF><BANKACCTFROM><BANKID>SOPHTRON</BANKID><ACCTID>${acctId}</ACCTID><ACCTTYPE>${bankAccountType(a)}</ACCTTYPE></BANKACCTFROM>\n${list}\n${bal}</STMTRS></STMTTRNRS>`;
}

export function toOfx(data: ExportData, options: OfxOptions = {}): string {
  const now = options.now ?? new Date();
  const byAccount = new Map<string, ExportTransaction[]>();
  for (const t of data.transactions) {
    if (t.status === 'vanished' || (t.status === 'pending' && !options.includePending)) continue;
    const list = byAccount.get(t.accountId) ?? [];
    list.push(t);
    byAccount.set(t.accountId, list);
  }
  const bank: string[] = [];
  const cards: string[] = [];
  data.accounts.forEach((a, i) => {
    const s = statement(a, byAccount.get(a.id) ?? [], i + 1, now);
    (a.kind === 'credit_card' ? cards : bank).push(s);
  });
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>',
    '<OFX>',
    `<SIGNONMSGSRSV1><SONRS>${STATUS_OK}<DTSERVER>${ofxDateTime(now)}</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>`,
    bank.length ? `<BANKMSGSRSV1>\n${bank.join('\n')}\n</BANKMSGSRSV1>` : '',
    cards.length ? `<CREDITCARDMSGSRSV1>\n${cards.join('\n')}\n</CREDITCARDMSGSRSV1>` : '',
    '</OFX>',
    '',
  ]
    .filter((l, i, all) => l !== '' || i === all.length - 1)
    .join('\n');
}

/**
 * CSV export. The header is part of the product's contract (documented in the README): columns are
 * only ever added at the end. Cells that a spreadsheet would run as a formula are defused with a
 * leading single quote (OWASP "CSV injection"); the amount column holds plain decimal numbers and
 * is left as is, so spreadsheets still add it up.
 */
import { stringify } from 'csv-stringify/sync';
import { minorToDecimal } from '../../money.js';
import type { ExportData } from './query.js';

export const CSV_HEADER = [
  'date',
  'account_id',
  'account_name',
  'amount',
  'currency',
  'status',
  'description',
  'merchant',
  'category',
  'memo',
  'check_number',
  'transaction_date',
  'post_date',
  'transaction_id',
  'provider_transaction_id',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** Defuses a text cell for spreadsheets. */
export function safeCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function amountCell(decimal: string): string {
  return PLAIN_NUMBER.test(decimal) ? decimal : safeCell(decimal);
}

export function toCsv(data: ExportData): string {
  const names = new Map(data.accounts.map((a) => [a.id, a.name]));
  const rows = data.transactions.map((t) => [
    safeCell(t.date),
    safeCell(t.accountId),
    safeCell(names.get(t.accountId) ?? ''),
    amountCell(minorToDecimal(t.amountMinor, t.currency)),
    safeCell(t.currency),
    safeCell(t.status),
    safeCell(t.description),
    safeCell(t.merchant),
    safeCell(t.category),
    safeCell(t.memo),
    safeCell(t.checkNumber),
    safeCell(t.transactionDate),
    safeCell(t.postDate),
    String(t.id),
    safeCell(t.providerTransactionId),
  ]);
  return stringify([[...CSV_HEADER], ...rows], { record_delimiter: '\r\n' });
}

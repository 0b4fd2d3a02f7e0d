/**
 * JSON export: everything the ledger knows about the exported accounts and transactions, in the
 * shape published as schemas/export.schema.json (versioned; fields are only ever added).
 */
import { minorToDecimal } from '../../money.js';
import type { ExportData, ExportFilter } from './query.js';

export const JSON_EXPORT_VERSION = 1;

export function toJsonExport(data: ExportData, filter: ExportFilter = {}, now: Date = new Date()): string {
  const doc = {
    format: 'sophtron-sync-export',
    version: JSON_EXPORT_VERSION,
    generated_at: now.toISOString(),
    family: { id: data.familyId, name: data.familyName },
    filter: {
      accounts: filter.accountIds?.length ? filter.accountIds : null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      after_change_seq: filter.afterChangeSeq ?? null,
    },
    accounts: data.accounts.map((a) => ({
      id: a.id,
      name: a.name,
      kind: a.kind,
      currency: a.currency,
      balance_rule: a.balanceRule,
      institution_name: a.institutionName,
      number_mask: a.numberMask,
      balance: a.balance
        ? {
            current:
              a.balance.currentMinor === null ? null : minorToDecimal(a.balance.currentMinor, a.currency),
            current_minor: a.balance.currentMinor,
            available:
              a.balance.availableMinor === null ? null : minorToDecimal(a.balance.availableMinor, a.currency),
            available_minor: a.balance.availableMinor,
            as_of: a.balance.asOf,
          }
        : null,
    })),
    transactions: data.transactions.map((t) => ({
      id: t.id,
      account_id: t.accountId,
      provider_transaction_id: t.providerTransactionId,
      status: t.status,
      amount: minorToDecimal(t.amountMinor, t.currency),
      amount_minor: t.amountMinor,
      currency: t.currency,
      date: t.date,
      transaction_date: t.transactionDate,
      post_date: t.postDate,
      description: t.description,
      merchant: t.merchant,
      category: t.category,
      memo: t.memo,
      check_number: t.checkNumber,
      replaced_pending_id: t.replacedPendingId,
      first_seen_at: t.firstSeenAt,
      last_seen_at: t.lastSeenAt,
      vanished_at: t.vanishedAt,
      change_seq: t.changeSeq,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

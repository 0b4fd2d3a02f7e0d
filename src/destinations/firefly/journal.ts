/**
 * The delivery journal: what a delivery writes to the ledger's delivery records, and when.
 * Intents ('sending' rows) are written before their POSTs are sent, outcomes afterwards, in
 * batches of one database transaction each. An outcome lost in a crash leaves its 'sending' row,
 * which the next run resolves by searching Firefly (plan.ts 'search-first'), so batching costs
 * safety nothing.
 */
import type {
  DeliveryCandidate,
  DeliveryRecord,
  DeliveryWrite,
  FireflyDeliveryRepository,
} from '../../store/firefly-delivery.js';
import type { FireflyGroup } from './client.js';
import type { Converted } from './convert.js';
import { contentHash } from './plan.js';
import { editableValues, type EditableValues } from './three-way.js';

type Group = Extract<Converted, { kind: 'group' }>;

export class DeliveryJournal {
  private readonly buffer: DeliveryWrite[] = [];
  private readonly intents = new Set<number>();

  constructor(
    private readonly ledger: FireflyDeliveryRepository,
    private readonly familyId: string,
  ) {}

  /** An intent decided before sending (a certain POST): written by the next flush, before its send. */
  intendAhead(row: DeliveryRecord): void {
    this.buffer.push({ row });
    this.intents.add(row.transaction_id);
  }

  /** The intent of a POST decided while delivering: written now, unless written ahead. */
  async intendNow(row: DeliveryRecord): Promise<void> {
    if (!this.intents.has(row.transaction_id)) await this.ledger.writeDelivery(this.familyId, row);
  }

  /** A row never sent after all (the run stopped): its record goes back to what it was. */
  undoIntent(c: DeliveryCandidate): void {
    if (this.intents.has(c.id)) this.buffer.push(c.f ? { row: c.f } : { forget: c.id });
  }

  record(row: DeliveryRecord): void {
    this.buffer.push({ row });
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    await this.ledger.writeDeliveries(this.familyId, this.buffer.splice(0));
  }
}

/** The record of a row as it stands, at its new change_seq (the action then sets its state). */
export function baseRecord(
  familyId: string,
  c: DeliveryCandidate,
  conv: Converted,
): Omit<DeliveryRecord, 'state'> {
  return {
    family_id: familyId,
    transaction_id: c.id,
    account_id: c.account_id,
    external_id: conv.kind === 'group' ? conv.externalId : (c.f?.external_id ?? ''),
    firefly_group_id: c.f?.firefly_group_id ?? null,
    firefly_journal_id: c.f?.firefly_journal_id ?? null,
    delivered_seq: c.change_seq,
    delivered_pending: c.f?.delivered_pending ?? 0,
    delivered_amount_minor: c.f?.delivered_amount_minor ?? null,
    content_hash: c.f?.content_hash ?? null,
    note: null,
    sent_fields: c.f?.sent_fields ?? null,
    paired_with: null,
  };
}

/** The record of a transfer's side delivered with its other side's group (it claims that side). */
export function pairedRecord(
  familyId: string,
  c: DeliveryCandidate,
  conv: Converted,
  partnerId: number,
): DeliveryRecord {
  return {
    ...baseRecord(familyId, c, conv),
    state: 'paired',
    note: `delivered with transaction ${partnerId}`,
    paired_with: partnerId,
  };
}

/** The 'sending' record of a POST about to go out: what is sent, before it is sent. */
export function sendingRecord(familyId: string, c: DeliveryCandidate, conv: Group): DeliveryRecord {
  return {
    ...baseRecord(familyId, c, conv),
    state: 'sending',
    content_hash: contentHash(conv.body),
    delivered_pending: c.status === 'pending' ? 1 : 0,
    delivered_amount_minor: c.amount_minor,
  };
}

/** The record of a group Firefly holds from us: where, what was sent, and its editable fields. */
export function deliveredRecord(
  familyId: string,
  c: DeliveryCandidate,
  conv: Group,
  group: Pick<FireflyGroup, 'groupId' | 'journalId'>,
  sent: EditableValues = editableValues(conv.body.transactions[0]!),
): DeliveryRecord {
  return {
    ...sendingRecord(familyId, c, conv),
    state: 'delivered',
    firefly_group_id: group.groupId,
    firefly_journal_id: group.journalId,
    sent_fields: JSON.stringify(sent),
  };
}

/**
 * The delivery planner: pure, no I/O. Given a ledger row, its delivery record and its conversion
 * (plus, once asked, what Firefly III or the ledger answered), it says what one delivery does with
 * the row. Every rule about correctness lives here and is property-tested (plan.property.test.ts);
 * execute.ts only performs what the plan says.
 *
 * Rules:
 * - a row delivered before is never created again: it is updated in place, left unchanged when
 *   what Firefly shows would not change (the content hash), or removed when it became a pending
 *   transaction that is no longer wanted or vanished at the bank;
 * - a row left 'sending' (a request whose outcome nobody heard) is searched for in Firefly by its
 *   external id before anything is sent: found, it is adopted (or updated); not found, created;
 * - a transfer between two of the user's accounts is delivered from one side: the other side pairs;
 * - an update sends the bank's facts (amount, dates, accounts) and only the fields a person may
 *   edit that the bank changed and the person did not (three-way.ts);
 * - a group the person deleted in Firefly is not created again unless asked (recreateDeleted).
 */
import { createHash } from 'node:crypto';
import { daysBetween } from '../../dates.js';
import type { DeliveryCandidate } from '../../store/firefly-delivery.js';
import type { FireflyGroup, TransactionStoreBody, TransactionUpdateBody } from './client.js';
import { mergeTags, updateBodyFor, type Converted } from './convert.js';
import {
  bankChangedEditable,
  editableValues,
  mergeEdits,
  parseSentFields,
  withoutUnsent,
  type EditableValues,
} from './three-way.js';

export interface DeliveryFacts {
  /** The ledger row with its delivery record (`f`, null when never delivered). */
  row: DeliveryCandidate;
  /** null: the row's account has no Firefly III account. */
  conversion: Converted | null;
  recreateDeleted: boolean;
  /** The answer to 'find-partner': the other side's ledger id, or null; undefined until asked. */
  partner?: number | null;
  /** The answer to 'search-first': the group Firefly holds, or null; undefined until asked. */
  searched?: FireflyGroup | null;
}

type Group = Extract<Converted, { kind: 'group' }>;

/** A group delivered before: where it is in Firefly. */
export interface ExistingGroup {
  groupId: string;
  journalId: string | null;
}

export interface UpdatePlan {
  kind: 'update';
  conversion: Group;
  existing: ExistingGroup;
  /** Found by a search after an unknown outcome: what Firefly holds (no need to ask again). */
  found: FireflyGroup | null;
  /** What we sent last in the fields a person may edit (null: not known, everything follows the bank). */
  sentBase: EditableValues | null;
  ours: EditableValues;
  pending: boolean;
  pendingChanged: boolean;
  /** Whether Firefly's current values are needed (an editable field or "pending" changed). */
  needsCurrent: boolean;
  /** A withdrawal became a deposit or back: the other party follows the bank too. */
  amountFlipped: boolean;
  /** When the group is gone from Firefly: record that, or create it again. */
  onMissing: 'mark-deleted' | 'create';
}

export type DeliveryAction =
  | { kind: 'fail'; message: string }
  | { kind: 'skip'; reason: string; warnings: string[] }
  | { kind: 'remove'; groupId: string; warnings: string[] }
  | { kind: 'keep'; warnings: string[] }
  | { kind: 'find-partner'; conversion: Group }
  | { kind: 'pair'; partnerId: number; conversion: Group }
  | { kind: 'search-first'; externalIds: string[] }
  | { kind: 'adopt'; group: FireflyGroup; conversion: Group }
  | { kind: 'unchanged'; existing: ExistingGroup; conversion: Group }
  | UpdatePlan
  | { kind: 'create'; conversion: Group };

/** The questions a plan may ask before it can decide: the executor answers and plans again. */
export type DeliveryQuestion = Extract<DeliveryAction, { kind: 'find-partner' | 'search-first' }>;

/** Delivery states after which the row is sent as new (it may pair with its transfer's other side). */
const SENT_AS_NEW = new Set(['skipped', 'failed', 'paired', 'removed']);

/** Whether the row goes out as a new group (no group of ours is known in Firefly). */
export function isFresh(row: DeliveryCandidate, recreateDeleted: boolean): boolean {
  const f = row.f;
  return !f || SENT_AS_NEW.has(f.state) || (f.state === 'deleted_in_firefly' && recreateDeleted);
}

export function planDelivery(facts: DeliveryFacts): DeliveryAction {
  const { row, conversion } = facts;
  if (!conversion) return { kind: 'fail', message: `account ${row.account_id} has no Firefly III account` };
  if (conversion.kind === 'skip') return planSkip(row, conversion);
  const f = row.f;
  if (!f || SENT_AS_NEW.has(f.state)) {
    if (conversion.transferCounterpart && row.amount_minor !== 0) {
      if (facts.partner === undefined) return { kind: 'find-partner', conversion };
      if (facts.partner !== null) return { kind: 'pair', partnerId: facts.partner, conversion };
    }
  }
  if (f?.state === 'sending') {
    // The last run asked Firefly to store this and never heard back: look before sending again.
    if (facts.searched === undefined)
      return { kind: 'search-first', externalIds: [f.external_id, conversion.externalId] };
    if (facts.searched) {
      if (f.content_hash === contentHash(conversion.body))
        return { kind: 'adopt', group: facts.searched, conversion };
      return planUpdate(facts, conversion, facts.searched, facts.searched);
    }
  }
  if (f && (f.state === 'delivered' || (f.state === 'deleted_in_firefly' && !facts.recreateDeleted))) {
    const existing = { groupId: f.firefly_group_id!, journalId: f.firefly_journal_id };
    if (f.state === 'delivered' && f.content_hash === contentHash(conversion.body))
      return { kind: 'unchanged', existing, conversion };
    return planUpdate(facts, conversion, existing, null);
  }
  return { kind: 'create', conversion };
}

/** A row Firefly should not hold (pending not wanted, vanished, zero): remove, keep or skip it. */
function planSkip(row: DeliveryCandidate, conversion: Extract<Converted, { kind: 'skip' }>): DeliveryAction {
  const warnings = conversion.warning ? [conversion.warning] : [];
  const f = row.f;
  if (
    f?.state === 'delivered' &&
    f.firefly_group_id &&
    (f.delivered_pending || conversion.reason === 'pending')
  ) {
    // A pending transaction that vanished at the bank (or pending ones are no longer wanted).
    return { kind: 'remove', groupId: f.firefly_group_id, warnings };
  }
  if (f?.state === 'delivered') {
    warnings.push(`transaction ${row.id} (${row.date}) vanished at the bank; it stays in Firefly III`);
    return { kind: 'keep', warnings };
  }
  return { kind: 'skip', reason: conversion.reason, warnings };
}

function planUpdate(
  facts: DeliveryFacts,
  conversion: Group,
  existing: ExistingGroup,
  found: FireflyGroup | null,
): UpdatePlan {
  const { row } = facts;
  const f = row.f;
  // Three-way: what we sent last (base), what Firefly holds now, what the bank says now. Firefly
  // is only asked when the bank changed a field a person may have edited, or "pending" must change.
  const sentBase = f?.state === 'delivered' ? parseSentFields(f.sent_fields) : null;
  const ours = editableValues(conversion.body.transactions[0]!);
  const pending = row.status === 'pending';
  const pendingChanged = f?.delivered_pending !== (pending ? 1 : 0);
  const before = f?.delivered_amount_minor ?? null;
  return {
    kind: 'update',
    conversion,
    existing: { groupId: existing.groupId, journalId: existing.journalId },
    found,
    sentBase,
    ours,
    pending,
    pendingChanged,
    needsCurrent: !found && (pendingChanged || bankChangedEditable(sentBase, ours)),
    amountFlipped: before !== null && before < 0 !== row.amount_minor < 0,
    onMissing: facts.recreateDeleted ? 'create' : 'mark-deleted',
  };
}

/**
 * The PUT of an update, given what Firefly holds now (null when it was not needed): the bank's
 * facts always, an editable field only where the person did not change it, tags the person added
 * kept (merged into what the group has) when "pending" changes.
 */
export function updateRequest(
  plan: UpdatePlan,
  current: FireflyGroup | null,
): { body: TransactionUpdateBody; nextBase: EditableValues; keptEdits: boolean } {
  const merge = mergeEdits(plan.sentBase, current && editableValues(current.split), plan.ours);
  if (plan.amountFlipped) merge.send.add('counterparty');
  const tags = plan.pendingChanged && current ? mergeTags(current.tags, plan.pending) : null;
  const body = updateBodyFor(plan.conversion.body, plan.existing.journalId, tags);
  body.transactions = body.transactions.map((t) => withoutUnsent(t, merge.send));
  return { body, nextBase: merge.nextBase, keptEdits: merge.kept.length > 0 };
}

/** What was sent, without the run's import tag: a ledger change Firefly does not show sends nothing. */
export function contentHash(body: TransactionStoreBody): string {
  const { tags, ...split } = body.transactions[0]!;
  const pending = (tags ?? []).includes('pending');
  return createHash('sha256').update(JSON.stringify({ split, pending })).digest('base64url').slice(0, 22);
}

/** A row on the other side of a transfer, with its delivery state and its conversion. */
export interface TransferSide {
  id: number;
  date: string;
  /** Its state as this run knows it ('paired' when this run paired it). */
  deliveryState: string | null;
  conversion: Converted;
  /** Another row already delivered with this one (paired with it), or null. */
  claimedBy: number | null;
}

/**
 * A transfer between two of the user's delivered accounts shows up on both: it is delivered from
 * one side only. The incoming side pairs with an outgoing partner unless that partner is itself
 * paired; the outgoing side pairs only with an incoming partner already delivered (which happens
 * when the incoming side was seen first). Each side is claimed once: a partner another row pairs
 * with is taken, and a row another row pairs with never pairs itself (its group is that row's).
 * Of the partners left, the closest in date wins, then the lowest id (so two transfers of the same
 * amount a few days apart pair each with its own). Returns the partner's ledger id when this side pairs.
 */
export function choosePartner(
  row: Pick<DeliveryCandidate, 'amount_minor' | 'date'>,
  ownFireflyAccountId: string,
  sides: TransferSide[],
  rowClaimedBy: number | null,
): number | null {
  if (rowClaimedBy !== null) return null;
  const incoming = row.amount_minor > 0;
  const distance = (s: TransferSide) => Math.abs(daysBetween(row.date, s.date));
  const partners = sides.filter(
    (s) =>
      (incoming ? s.deliveryState !== 'paired' : s.deliveryState === 'delivered') &&
      s.claimedBy === null &&
      s.conversion.kind === 'group' &&
      s.conversion.transferCounterpart === ownFireflyAccountId,
  );
  partners.sort((a, b) => distance(a) - distance(b) || a.id - b.id);
  return partners[0]?.id ?? null;
}

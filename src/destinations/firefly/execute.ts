/**
 * The delivery executor: plans one ledger row (plan.ts), answers the plan's questions (a search of
 * Firefly, the other side of a transfer), and performs the action against Firefly III, recording
 * each outcome in the journal and counting it in the tally. A POST is never retried blindly.
 */
import type { DeliveryCandidate, FireflyTransactionRow } from '../../store/firefly-delivery.js';
import {
  FireflyError,
  FireflyNotFoundError,
  FireflyUnknownOutcomeError,
  type FireflyClient,
  type FireflyGroup,
  type TransactionStoreBody,
} from './client.js';
import type { Converted } from './convert.js';
import { baseRecord, deliveredRecord, pairedRecord, sendingRecord, type DeliveryJournal } from './journal.js';
import {
  planDelivery,
  updateRequest,
  type DeliveryAction,
  type DeliveryFacts,
  type UpdatePlan,
} from './plan.js';
import type { DeliveryTally } from './result.js';

type Group = Extract<Converted, { kind: 'group' }>;

export interface Executor {
  familyId: string;
  client: FireflyClient;
  journal: DeliveryJournal;
  tally: DeliveryTally;
  recreateDeleted: boolean;
  /** The other side of a transfer this row pairs with (its ledger id), or null. */
  findPartner(c: DeliveryCandidate, conv: Group): Promise<number | null>;
}

/** Delivers one ledger row whose conversion is `conversion` (null: its account has no Firefly account). */
export async function deliverRow(
  x: Executor,
  c: DeliveryCandidate,
  conversion: Converted | null,
): Promise<void> {
  if (x.tally.result.aborted) {
    // Never sent: undo the intent so the next run does not search for it.
    x.journal.undoIntent(c);
    return;
  }
  const facts: DeliveryFacts = { row: c, conversion, recreateDeleted: x.recreateDeleted };
  const first = planDelivery(facts);
  if (first.kind === 'fail') {
    x.tally.fail(c.id, new Error(first.message));
    return;
  }
  try {
    await perform(x, c, conversion!, await answered(x, c, facts, first));
  } catch (err) {
    if (x.tally.fatal(err)) return;
    if (err instanceof FireflyError) x.tally.fail(c.id, err);
    else throw err;
  } finally {
    x.tally.step();
  }
}

/** Answers the plan's questions until it decides. */
async function answered(
  x: Executor,
  c: DeliveryCandidate,
  facts: DeliveryFacts,
  action: DeliveryAction,
): Promise<DeliveryAction> {
  for (;;) {
    if (action.kind === 'find-partner') facts.partner = await x.findPartner(c, action.conversion);
    else if (action.kind === 'search-first')
      facts.searched = await findExisting(x.client, action.externalIds);
    else return action;
    action = planDelivery(facts);
  }
}

async function perform(
  x: Executor,
  c: DeliveryCandidate,
  conv: Converted,
  action: DeliveryAction,
): Promise<void> {
  const { journal, tally } = x;
  const result = tally.result;
  const base = baseRecord(x.familyId, c, conv);
  switch (action.kind) {
    case 'skip':
      result.warnings.push(...action.warnings);
      journal.record({ ...base, state: 'skipped', note: action.reason });
      result.skipped++;
      return;
    case 'keep':
      result.warnings.push(...action.warnings);
      journal.record({ ...base, state: 'delivered' });
      return;
    case 'remove':
      result.warnings.push(...action.warnings);
      await x.client.deleteTransaction(action.groupId);
      journal.record({ ...base, state: 'removed' });
      result.removed++;
      tally.touched.add(c.account_id);
      return;
    case 'pair':
      journal.record(pairedRecord(x.familyId, c, conv, action.partnerId));
      result.paired++;
      return;
    case 'adopt':
      result.alreadyThere++;
      journal.record(deliveredRecord(x.familyId, c, action.conversion, action.group));
      tally.touched.add(c.account_id);
      return;
    case 'unchanged':
      journal.record(deliveredRecord(x.familyId, c, action.conversion, action.existing));
      result.unchanged++;
      return;
    case 'update':
      if (action.found) result.alreadyThere++;
      return update(x, c, action);
    case 'create':
      return create(x, c, action.conversion);
    case 'fail':
    case 'find-partner':
    case 'search-first':
      throw new Error(`delivery action ${action.kind} is not performed`);
  }
}

/** A three-way update in place; a group gone from Firefly is recorded as deleted there, or created again. */
async function update(x: Executor, c: DeliveryCandidate, plan: UpdatePlan): Promise<void> {
  const { existing } = plan;
  try {
    const current =
      plan.found ?? (plan.needsCurrent ? await x.client.getTransaction(existing.groupId) : null);
    const request = updateRequest(plan, current);
    const updated = await x.client.updateTransaction(existing.groupId, request.body);
    const where = { groupId: updated.groupId, journalId: updated.journalId ?? existing.journalId };
    x.journal.record(deliveredRecord(x.familyId, c, plan.conversion, where, request.nextBase));
    if (request.keptEdits) x.tally.result.keptEdits++;
    x.tally.result.updated++;
    x.tally.touched.add(c.account_id);
    return;
  } catch (err) {
    if (!(err instanceof FireflyNotFoundError)) throw err;
  }
  if (plan.onMissing === 'create') return create(x, c, plan.conversion);
  const base = baseRecord(x.familyId, c, plan.conversion);
  x.journal.record({ ...base, state: 'deleted_in_firefly', note: 'deleted in Firefly III; not re-created' });
  x.tally.result.deletedInFirefly++;
}

/** A POST, its intent recorded first: a crash from here on is resolved by searching the external_id. */
async function create(x: Executor, c: DeliveryCandidate, conv: Group): Promise<void> {
  const { journal, tally } = x;
  const result = tally.result;
  const sending = sendingRecord(x.familyId, c, conv);
  await journal.intendNow(sending);
  try {
    const stored = await storeOnce(x.client, conv.body, conv.externalId);
    if ('found' in stored) {
      journal.record(deliveredRecord(x.familyId, c, conv, stored.found));
      result.alreadyThere++;
    } else if ('created' in stored) {
      journal.record(deliveredRecord(x.familyId, c, conv, stored.created));
      result.created++;
    } else {
      journal.record(deliveredRecord(x.familyId, c, conv, { groupId: stored.duplicateOf, journalId: null }));
      result.alreadyThere++;
    }
    tally.touched.add(c.account_id);
  } catch (err) {
    createFailed(x, c, sending, err);
  }
}

function createFailed(
  x: Executor,
  c: DeliveryCandidate,
  sending: ReturnType<typeof sendingRecord>,
  err: unknown,
): void {
  const { journal, tally } = x;
  if (err instanceof FireflyNotFoundError && err.status === 410) {
    // Firefly stored it and one of the user's rules deleted it at once: the user's choice.
    journal.record({
      ...sending,
      state: 'deleted_in_firefly',
      note: 'deleted by a Firefly III rule when it was created',
    });
    tally.result.deletedInFirefly++;
  } else if (err instanceof FireflyUnknownOutcomeError) {
    // Left as 'sending': the next run searches again before sending.
    tally.fail(c.id, new Error(`${err.message}; it will be checked on the next run`));
  } else if (tally.fatal(err)) {
    journal.record({ ...sending, state: c.f ? c.f.state : 'failed' });
  } else {
    const message = tally.fail(c.id, err);
    journal.record({ ...sending, state: 'failed', note: message.slice(0, 1000) });
  }
}

/** Deletes in Firefly a delivered transaction whose ledger row the user deleted. */
export async function removeRow(x: Executor, r: FireflyTransactionRow): Promise<void> {
  if (x.tally.result.aborted) return;
  try {
    await x.client.deleteTransaction(r.firefly_group_id!);
    x.journal.record({ ...r, state: 'removed', note: 'deleted in the ledger' });
    x.tally.result.removed++;
    x.tally.touched.add(r.account_id);
  } catch (err) {
    if (!x.tally.fatal(err)) x.tally.fail(r.transaction_id, err);
  } finally {
    x.tally.step();
  }
}

/** How many times one run sends a transaction whose earlier sending may or may not have landed. */
const UNKNOWN_OUTCOME_ATTEMPTS = 6;

/**
 * POSTs a group; when the answer is lost (no answer, a 5xx), searches Firefly for its external_id
 * and sends it again only when it is not there: never a blind second POST. After
 * UNKNOWN_OUTCOME_ATTEMPTS unknown outcomes the last one is thrown (the next run searches first).
 */
async function storeOnce(
  client: FireflyClient,
  body: TransactionStoreBody,
  externalId: string,
): Promise<Awaited<ReturnType<FireflyClient['storeTransaction']>> | { found: FireflyGroup }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.storeTransaction(body);
    } catch (err) {
      if (!(err instanceof FireflyUnknownOutcomeError) || attempt >= UNKNOWN_OUTCOME_ATTEMPTS) throw err;
      // Whatever stops the search, the outcome stays unknown: the row stays 'sending'.
      const found = await findExisting(client, [externalId]).catch(() => {
        throw err;
      });
      if (found) return { found };
    }
  }
}

async function findExisting(client: FireflyClient, externalIds: string[]): Promise<FireflyGroup | null> {
  for (const id of [...new Set(externalIds.filter(Boolean))]) {
    const found = await client.findByExternalId(id);
    if (found.length) return found[0]!;
  }
  return null;
}

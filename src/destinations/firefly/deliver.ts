/**
 * Delivery of a family's ledger into Firefly III: only what is new or changed since the last
 * delivery (transactions.change_seq against firefly_transactions.delivered_seq), oldest first,
 * with bounded concurrency.
 *
 * Crash safety: before every POST a 'sending' row records the intent (with the external_id).
 * A run that finds a 'sending' row does not know whether Firefly stored the group, so it searches
 * Firefly for that external_id first and only POSTs when nothing is there. A killed delivery run
 * again therefore creates nothing twice and loses nothing. A POST is never retried blindly.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import pLimit from 'p-limit';
import { addDays, calendarDateIn } from '../../dates.js';
import {
  fireflyDeliveryRepository,
  type DeliveryCandidate,
  type DeliveryWrite,
  type FireflyDeliveryRepository,
} from '../../store/firefly-delivery.js';
import { familyTimeZone } from '../../store/families.js';
import type { Database } from '../../store/schema.js';
import { withFamilySyncLock } from '../../sync/lock.js';
import { ensureAccounts, type AccountTarget } from './accounts.js';
import { checkBalances, type BalanceComparison } from './balance-check.js';
import {
  FireflyAuthError,
  FireflyError,
  FireflyNotFoundError,
  FireflyRateLimitedError,
  FireflyUnknownOutcomeError,
  FireflyUnreachableError,
  type FireflyClient,
  type FireflyGroup,
  type TransactionStoreBody,
} from './client.js';
import {
  convertTransaction,
  importTag,
  mergeTags,
  updateBodyFor,
  type Converted,
  type ConvertibleTransaction,
  type ConvertOptions,
  type MappedAccount,
  type PendingMode,
  type TargetAccount,
} from './convert.js';
import type { FireflyAccountRow, FireflyTransactionRow } from './repository.js';
import {
  bankChangedEditable,
  editableValues,
  mergeEdits,
  parseSentFields,
  withoutUnsent,
  type EditableValues,
} from './three-way.js';

export interface DeliveryOptions {
  /** Ledger accounts to deliver; default every linked account of the family. */
  accountIds?: string[];
  /** Where each ledger account goes (from the import configuration); default: a new account. */
  targets?: Map<string, AccountTarget>;
  pending?: PendingMode;
  addImportTag?: boolean;
  customTag?: string | null;
  applyRules?: boolean;
  fireWebhooks?: boolean;
  errorIfDuplicateHash?: boolean;
  /** Opposing name → Firefly account id (the import configuration's mapping["0"]). */
  mapping?: Record<string, number | string>;
  /** Only transactions dated in this window (the import configuration's date range). */
  notBefore?: string | null;
  notAfter?: string | null;
  /** The version a caller has just checked (the version check is then not repeated). */
  fireflyVersion?: string;
  /** Deliver again what the user deleted in Firefly. */
  recreateDeleted?: boolean;
  concurrency?: number;
  /** Default: the family's time zone. */
  timeZone?: string;
  now?: Date;
  version?: string;
  checkBalances?: boolean;
  /** Days between the two sides of a transfer between the user's own accounts. */
  transferMatchDays?: number;
  onProgress?: (p: DeliveryProgress) => void;
  /**
   * The caller holds the family's lock under this owner (an import: its sync and this delivery under
   * one hold; the scheduler's tick). Without it the delivery takes the lock itself.
   */
  lockHeldBy?: string;
}

export interface DeliveryProgress {
  done: number;
  total: number;
  created: number;
  updated: number;
  failed: number;
}

export interface DeliveryResult {
  fireflyVersion: string;
  created: number;
  updated: number;
  /** Found in Firefly already (an earlier run's unknown outcome, or Firefly's duplicate hash). */
  alreadyThere: number;
  unchanged: number;
  skipped: number;
  paired: number;
  deletedInFirefly: number;
  removed: number;
  failed: number;
  /** Updates that kept a field the person had edited in Firefly III (the bank changed it too). */
  keptEdits: number;
  accountsCreated: number;
  warnings: string[];
  errors: { transactionId: number | null; message: string }[];
  balances: BalanceComparison[];
  requests: number;
  /** Set when the run stopped early (Firefly unreachable, token refused). */
  aborted: string | null;
}

type Candidate = DeliveryCandidate;

/**
 * Delivers under the family's lock (src/sync/lock.ts), so no row is ever sent by two runs: a run
 * that finds it held throws SyncLockedError, which says since when and which host and process hold it.
 */
export function deliverFamily(
  deps: { db: Kysely<Database>; client: FireflyClient },
  familyId: string,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  return withFamilySyncLock(deps.db, familyId, () => deliverLocked(deps, familyId, options), {
    ...(options.lockHeldBy ? { heldBy: options.lockHeldBy } : {}),
  });
}

async function deliverLocked(
  deps: { db: Kysely<Database>; client: FireflyClient },
  familyId: string,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const { db, client } = deps;
  const ledger = fireflyDeliveryRepository(db);
  const startRequests = client.requests;
  const result: DeliveryResult = {
    fireflyVersion: '',
    created: 0,
    updated: 0,
    alreadyThere: 0,
    unchanged: 0,
    skipped: 0,
    paired: 0,
    deletedInFirefly: 0,
    removed: 0,
    failed: 0,
    keptEdits: 0,
    accountsCreated: 0,
    warnings: [],
    errors: [],
    balances: [],
    requests: 0,
    aborted: null,
  };
  result.fireflyVersion = options.fireflyVersion ?? (await client.checkVersion());

  const familyZone = await familyTimeZone(db, familyId);
  if (familyZone === undefined) throw new Error(`no family ${familyId}`);
  const timeZone = options.timeZone ?? familyZone;
  const now = options.now ?? new Date();
  const today = calendarDateIn(now, timeZone);
  const accounts = await ledger.deliverableAccounts(familyId, options.accountIds);
  const accountIds = accounts.map((a) => a.id);
  const candidates = await ledger.deliveryCandidates(familyId, accountIds, {
    recreateDeleted: options.recreateDeleted ?? false,
    from: options.notBefore ?? null,
    to: options.notAfter ?? null,
  });
  const removals = await ledger.deliveryRemovals(familyId, accountIds);

  const existingLinks = await ledger.fireflyAccountLinks(familyId);
  const needsAccount = accounts.some((a) => existingLinks.get(a.id)?.state !== 'linked');
  if (candidates.length === 0 && removals.length === 0 && !needsAccount) {
    // Nothing new: no request beyond the version check (balances from the last check unless the bank's changed).
    if (options.checkBalances !== false) {
      result.balances = await checkBalances(
        db,
        client,
        familyId,
        accounts,
        existingLinks,
        (_a, row, expected) => bankChanged(row, expected),
      );
    }
    result.requests = client.requests - startRequests;
    return result;
  }

  const mapping = await resolveMapping(client, options.mapping ?? {}, candidates.length > 0);
  const convertOptions: ConvertOptions = {
    pending: options.pending ?? 'skip',
    importTag:
      options.addImportTag === false
        ? null
        : importTag(options.customTag, now, timeZone, options.version ?? '0.1.0'),
    applyRules: options.applyRules ?? true,
    fireWebhooks: options.fireWebhooks ?? true,
    errorIfDuplicateHash: options.errorIfDuplicateHash ?? true,
    timeZone,
    mapping,
  };

  // What this delivery sends per account (posted, non-zero): the opening balance of a new account.
  const history = new Map<string, { sumMinor: number; firstDate: string | null }>();
  for (const c of candidates) {
    const probe = convertTransaction(
      c,
      { ledgerAccountId: c.account_id, fireflyAccountId: '0', sophtronAccountId: null },
      convertOptions,
    );
    if (probe.kind !== 'group' || c.status !== 'posted') continue;
    const h = history.get(c.account_id) ?? { sumMinor: 0, firstDate: null };
    h.sumMinor += c.amount_minor;
    if (!h.firstDate || c.date < h.firstDate) h.firstDate = c.date;
    history.set(c.account_id, h);
  }
  const ensured = await ensureAccounts(
    db,
    client,
    familyId,
    accounts,
    options.targets ?? new Map(),
    history,
    {
      timeZone,
      today,
    },
  );
  result.accountsCreated = ensured.created.length;
  result.warnings.push(...ensured.warnings);
  const refusedAccounts = new Set(ensured.failures.map((f) => f.accountId));
  for (const f of ensured.failures) {
    result.failed++;
    result.errors.push({ transactionId: null, message: f.message });
  }
  if (refusedAccounts.size) {
    const keep = candidates.filter((c) => !refusedAccounts.has(c.account_id));
    candidates.length = 0;
    candidates.push(...keep);
  }
  const allLinks = new Map(existingLinks);
  for (const [k, v] of ensured.linked) allLinks.set(k, v);
  const fireflyIdToAccount = new Map<string, string>();
  for (const [accountId, row] of allLinks)
    if (row.firefly_account_id) fireflyIdToAccount.set(row.firefly_account_id, accountId);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const targetFor = (accountId: string): TargetAccount | null => {
    const row = allLinks.get(accountId);
    if (row?.state !== 'linked' || !row.firefly_account_id) return null;
    return {
      ledgerAccountId: accountId,
      fireflyAccountId: row.firefly_account_id,
      sophtronAccountId: byId.get(accountId)?.sophtron_account_id ?? null,
    };
  };
  const sophtronIds = await ledger.sophtronAccountIds(familyId);

  const limit = pLimit(options.concurrency ?? 4);
  const touched = new Set<string>(ensured.created);
  let done = 0;
  const total = candidates.length + removals.length;
  const progress = () =>
    options.onProgress?.({
      done,
      total,
      created: result.created,
      updated: result.updated,
      failed: result.failed,
    });
  const fatal = (err: unknown): boolean => {
    if (
      err instanceof FireflyAuthError ||
      err instanceof FireflyUnreachableError ||
      err instanceof FireflyRateLimitedError
    ) {
      result.aborted ??= err.message;
      return true;
    }
    return false;
  };
  // Rows are written in batches, one database transaction each: intents ('sending') before their
  // POSTs are sent, outcomes afterwards. An outcome lost in a crash leaves its 'sending' row, which
  // the next run resolves by searching Firefly, so batching costs safety nothing.
  const buffer: DeliveryWrite[] = [];
  const record = (row: Omit<FireflyTransactionRow, 'updated_at'>) => {
    buffer.push({ row });
  };
  const flush = async () => {
    if (buffer.length === 0) return;
    await ledger.writeDeliveries(familyId, buffer.splice(0));
  };
  const intents = new Set<number>();
  const conversions = new Map<number, Converted>();
  const convert = (c: Candidate, target: TargetAccount): Converted => {
    let conv = conversions.get(c.id);
    if (!conv) {
      conv = convertTransaction(c, target, convertOptions);
      conversions.set(c.id, conv);
    }
    return conv;
  };
  const baseRow = (c: Candidate, conv: Converted) => ({
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
  });
  /** The 'sending' row of a transaction that will certainly be POSTed (decided without Firefly). */
  const plannedIntent = (c: Candidate): Omit<FireflyTransactionRow, 'updated_at'> | null => {
    const target = targetFor(c.account_id);
    if (!target) return null;
    const fresh =
      !c.f ||
      ['skipped', 'failed', 'paired', 'removed'].includes(c.f.state) ||
      (c.f.state === 'deleted_in_firefly' && options.recreateDeleted);
    if (!fresh) return null;
    const conv = convert(c, target);
    if (conv.kind !== 'group' || conv.transferCounterpart) return null;
    return {
      ...baseRow(c, conv),
      state: 'sending',
      content_hash: contentHash(conv.body),
      delivered_pending: c.status === 'pending' ? 1 : 0,
      delivered_amount_minor: c.amount_minor,
    };
  };
  const fail = async (c: { id: number }, err: unknown, row?: Omit<FireflyTransactionRow, 'updated_at'>) => {
    result.failed++;
    const message = err instanceof Error ? err.message : String(err);
    result.errors.push({ transactionId: c.id, message });
    if (row) record({ ...row, state: 'failed', note: message.slice(0, 1000) });
  };

  const deliverOne = async (c: Candidate): Promise<void> => {
    if (result.aborted) {
      // Never sent: undo the intent so the next run does not search for it.
      if (intents.has(c.id)) buffer.push(c.f ? { row: c.f } : { forget: c.id });
      return;
    }
    const target = targetFor(c.account_id);
    if (!target) {
      await fail(c, new Error(`account ${c.account_id} has no Firefly III account`));
      return;
    }
    const conv = convert(c, target);
    const base = baseRow(c, conv);
    try {
      if (conv.kind === 'skip') {
        if (conv.warning) result.warnings.push(conv.warning);
        if (
          c.f &&
          c.f.state === 'delivered' &&
          c.f.firefly_group_id &&
          (c.f.delivered_pending || conv.reason === 'pending')
        ) {
          // A pending transaction that vanished at the bank (or pending ones are no longer wanted).
          await client.deleteTransaction(c.f.firefly_group_id);
          record({ ...base, state: 'removed' });
          result.removed++;
          touched.add(c.account_id);
          return;
        }
        if (c.f?.state === 'delivered') {
          result.warnings.push(
            `transaction ${c.id} (${c.date}) vanished at the bank; it stays in Firefly III`,
          );
          record({ ...base, state: 'delivered' });
          return;
        }
        record({ ...base, state: 'skipped', note: conv.reason });
        result.skipped++;
        return;
      }
      const hash = contentHash(conv.body);
      const pendingFlag = c.status === 'pending' ? 1 : 0;
      const ours = editableValues(conv.body.transactions[0]!);
      const deliveredRow = (
        group: FireflyGroup | { groupId: string; journalId: string | null },
        sent: EditableValues = ours,
      ) => ({
        ...base,
        state: 'delivered' as const,
        firefly_group_id: group.groupId,
        firefly_journal_id: group.journalId,
        delivered_pending: pendingFlag,
        delivered_amount_minor: c.amount_minor,
        content_hash: hash,
        sent_fields: JSON.stringify(sent),
      });

      if (
        !c.f ||
        c.f.state === 'skipped' ||
        c.f.state === 'failed' ||
        c.f.state === 'paired' ||
        c.f.state === 'removed'
      ) {
        const partner = await findTransferPartner(
          ledger,
          familyId,
          c,
          conv,
          target,
          allLinks,
          fireflyIdToAccount,
          sophtronIds,
          convertOptions,
          options.transferMatchDays ?? 5,
        );
        if (partner) {
          record({
            ...base,
            state: 'paired',
            note: `delivered with transaction ${partner}`,
          });
          result.paired++;
          return;
        }
      }

      let existing: { groupId: string; journalId: string | null; found?: FireflyGroup } | null = null;
      if (c.f?.state === 'delivered' || (c.f?.state === 'deleted_in_firefly' && !options.recreateDeleted)) {
        existing = { groupId: c.f.firefly_group_id!, journalId: c.f.firefly_journal_id };
      } else if (c.f?.state === 'sending') {
        // The last run asked Firefly to store this and never heard back: look before sending again.
        const found = await findExisting(client, [c.f.external_id, conv.externalId]);
        if (found) {
          result.alreadyThere++;
          if (c.f.content_hash === hash) {
            record(deliveredRow(found));
            touched.add(c.account_id);
            return;
          }
          existing = { ...found, found };
        }
      }

      if (existing) {
        if (c.f?.state === 'delivered' && c.f.content_hash === hash) {
          record({ ...deliveredRow(existing) });
          result.unchanged++;
          return;
        }
        try {
          // Three-way: what we sent last (base), what Firefly holds now, what the bank says now.
          // Firefly is only asked when the bank changed a field a person may have edited, or
          // "pending" must change (tags the user added survive: merged into what the group has).
          const sentBase = c.f?.state === 'delivered' ? parseSentFields(c.f.sent_fields) : null;
          const pendingChanged = c.f?.delivered_pending !== pendingFlag;
          let current = existing.found ?? null;
          if (!current && (pendingChanged || bankChangedEditable(sentBase, ours)))
            current = await client.getTransaction(existing.groupId);
          const merge = mergeEdits(sentBase, current && editableValues(current.split), ours);
          // Money the other way round: a withdrawal became a deposit, both sides follow the bank.
          const before = c.f?.delivered_amount_minor ?? null;
          if (before !== null && before < 0 !== c.amount_minor < 0) merge.send.add('counterparty');
          const tags = pendingChanged && current ? mergeTags(current.tags, pendingFlag === 1) : null;
          const update = updateBodyFor(conv.body, existing.journalId, tags);
          update.transactions = update.transactions.map((t) => withoutUnsent(t, merge.send));
          const updated = await client.updateTransaction(existing.groupId, update);
          record(
            deliveredRow(
              { groupId: updated.groupId, journalId: updated.journalId ?? existing.journalId },
              merge.nextBase,
            ),
          );
          if (merge.kept.length) result.keptEdits++;
          result.updated++;
          touched.add(c.account_id);
          return;
        } catch (err) {
          if (!(err instanceof FireflyNotFoundError)) throw err;
          if (!options.recreateDeleted) {
            record({
              ...base,
              state: 'deleted_in_firefly',
              note: 'deleted in Firefly III; not re-created',
            });
            result.deletedInFirefly++;
            return;
          }
        }
      }

      // Record the intent first: a crash from here on is resolved by searching the external_id.
      const sending = {
        ...base,
        state: 'sending' as const,
        content_hash: hash,
        delivered_pending: pendingFlag,
        delivered_amount_minor: c.amount_minor,
      };
      if (!intents.has(c.id)) await ledger.writeDelivery(familyId, sending);
      try {
        const stored = await storeOnce(client, conv.body, conv.externalId);
        if ('found' in stored) {
          record(deliveredRow(stored.found));
          result.alreadyThere++;
        } else if ('created' in stored) {
          record(deliveredRow(stored.created));
          result.created++;
        } else {
          record(deliveredRow({ groupId: stored.duplicateOf, journalId: null }));
          result.alreadyThere++;
        }
        touched.add(c.account_id);
      } catch (err) {
        if (err instanceof FireflyNotFoundError && err.status === 410) {
          // Firefly stored it and one of the user's rules deleted it at once: the user's choice.
          record({
            ...sending,
            state: 'deleted_in_firefly',
            note: 'deleted by a Firefly III rule when it was created',
          });
          result.deletedInFirefly++;
          return;
        }
        if (err instanceof FireflyUnknownOutcomeError) {
          // Left as 'sending': the next run searches again before sending.
          await fail(c, new Error(`${err.message}; it will be checked on the next run`));
          return;
        }
        if (fatal(err)) {
          record({ ...sending, state: c.f ? c.f.state : 'failed' });
          return;
        }
        await fail(c, err, sending);
      }
    } catch (err) {
      if (fatal(err)) return;
      if (err instanceof FireflyError) await fail(c, err);
      else throw err;
    } finally {
      done++;
      progress();
    }
  };

  const removeOne = async (r: FireflyTransactionRow): Promise<void> => {
    if (result.aborted) return;
    try {
      await client.deleteTransaction(r.firefly_group_id!);
      record({ ...r, state: 'removed', note: 'deleted in the ledger' });
      result.removed++;
      touched.add(r.account_id);
    } catch (err) {
      if (!fatal(err)) await fail({ id: r.transaction_id }, err);
    } finally {
      done++;
      progress();
    }
  };

  // Chunks keep at most two chunks of intents outstanding, and p-limit's queue never runs dry.
  const CHUNK = 100;
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < candidates.length && !result.aborted; i += CHUNK) {
    const chunk = candidates.slice(i, i + CHUNK);
    for (const c of chunk) {
      const intent = plannedIntent(c);
      if (intent) {
        buffer.push({ row: intent });
        intents.add(c.id);
      }
    }
    await flush();
    const running = Promise.all(chunk.map((c) => limit(() => deliverOne(c))));
    await previous;
    previous = running;
  }
  await previous;
  await Promise.all(removals.map((r) => limit(() => removeOne(r))));
  await flush();

  if (options.checkBalances !== false && !result.aborted) {
    try {
      result.balances = await checkBalances(
        db,
        client,
        familyId,
        accounts,
        allLinks,
        (a, row, expected) => touched.has(a.id) || bankChanged(row, expected),
      );
    } catch (err) {
      if (!fatal(err))
        result.warnings.push(`balance check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  result.requests = client.requests - startRequests;
  return result;
}

/**
 * Whether the bank's side changed since the last balance check. A sync takes a new snapshot even
 * when the balance is the same; only a different amount asks Firefly again.
 */
function bankChanged(row: FireflyAccountRow, expected: number | null): boolean {
  return !row.checked_at || expected !== row.checked_bank_minor;
}

function contentHash(body: TransactionStoreBody): string {
  const { tags, ...split } = body.transactions[0]!;
  const pending = (tags ?? []).includes('pending');
  return createHash('sha256').update(JSON.stringify({ split, pending })).digest('base64url').slice(0, 22);
}

/** How many times one run sends a transaction whose earlier sending may or may not have landed. */
const UNKNOWN_OUTCOME_ATTEMPTS = 4;

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

/**
 * A transfer between two of the user's delivered accounts shows up on both: it is delivered from
 * one side only. The incoming side pairs with its outgoing partner unless that partner is itself
 * paired; the outgoing side pairs only with an incoming partner already delivered (which happens
 * when the incoming side was seen first). Returns the partner's ledger id when this side pairs.
 */
async function findTransferPartner(
  ledger: FireflyDeliveryRepository,
  familyId: string,
  c: Candidate,
  conv: Extract<Converted, { kind: 'group' }>,
  target: TargetAccount,
  links: Map<string, FireflyAccountRow>,
  fireflyIdToAccount: Map<string, string>,
  sophtronIds: Map<string, string | null>,
  options: ConvertOptions,
  days: number,
): Promise<number | null> {
  if (!conv.transferCounterpart || c.amount_minor === 0) return null;
  const partnerAccount = fireflyIdToAccount.get(conv.transferCounterpart);
  if (!partnerAccount || partnerAccount === c.account_id) return null;
  const partnerLink = links.get(partnerAccount);
  if (!partnerLink?.firefly_account_id) return null;
  const rows = await ledger.transferSides(familyId, partnerAccount, -c.amount_minor, {
    from: addDays(c.date, -days),
    to: addDays(c.date, days),
  });
  const partnerTarget: TargetAccount = {
    ledgerAccountId: partnerAccount,
    fireflyAccountId: partnerLink.firefly_account_id,
    sophtronAccountId: sophtronIds.get(partnerAccount) ?? null,
  };
  const incoming = c.amount_minor > 0;
  for (const r of rows) {
    if (incoming ? r.partner_state === 'paired' : r.partner_state !== 'delivered') continue;
    const pc = convertTransaction(r as ConvertibleTransaction, partnerTarget, options);
    if (pc.kind === 'group' && pc.transferCounterpart === target.fireflyAccountId) return r.id;
  }
  return null;
}

async function resolveMapping(
  client: FireflyClient,
  mapping: Record<string, number | string>,
  needed: boolean,
): Promise<Map<string, MappedAccount>> {
  const out = new Map<string, MappedAccount>();
  const entries = Object.entries(mapping).filter(([, id]) => String(id) !== '0' && String(id) !== '');
  if (!needed || entries.length === 0) return out;
  const types = new Map((await client.listAccounts('all')).map((a) => [a.id, a.type]));
  for (const [name, id] of entries) {
    const type = types.get(String(id));
    if (type) out.set(name, { id: String(id), type });
  }
  return out;
}

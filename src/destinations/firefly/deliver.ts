/**
 * Delivery of a family's ledger into Firefly III: only what is new or changed since the last
 * delivery (transactions.change_seq against firefly_transactions.delivered_seq), oldest first,
 * with bounded concurrency. Split the way sync is: plan.ts decides per row (pure), journal.ts
 * records intents and outcomes, execute.ts performs the plan; this runner composes them.
 *
 * Crash safety: before every POST a 'sending' row records the intent (with the external_id).
 * A run that finds a 'sending' row does not know whether Firefly stored the group, so it searches
 * Firefly for that external_id first and only POSTs when nothing is there. A killed delivery run
 * again therefore creates nothing twice and loses nothing. A POST is never retried blindly.
 */
import pLimit from 'p-limit';
import { calendarDateIn } from '../../dates.js';
import type {
  DeliverableAccount,
  DeliveryCandidate,
  FireflyAccountRow,
  FireflyDeliveryRepository,
  FireflyTransactionRow,
  Store,
} from '../../store/index.js';
import { withFamilySyncLock, type SyncLocks } from '../../store/family-lock.js';
import { ensureAccounts, type AccountTarget } from './accounts.js';
import { checkBalances } from './balance-check.js';
import type { FireflyClient } from './client.js';
import {
  convertTransaction,
  importTag,
  type ConvertOptions,
  type MappedAccount,
  type PendingMode,
} from './convert.js';
import { deliverRow, removeRow, type Executor } from './execute.js';
import { DeliveryJournal, sendingRecord } from './journal.js';
import { isFresh, planDelivery } from './plan.js';
import { DeliveryTally, emptyResult, type DeliveryProgress, type DeliveryResult } from './result.js';
import { DeliveryScope } from './scope.js';

export type { DeliveryProgress, DeliveryResult } from './result.js';

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

/** What a delivery reads and writes of the store: its read model and journal, the family's time zone, its lock. */
export type DeliveryStore = FireflyDeliveryRepository & SyncLocks & Pick<Store, 'familyTimeZone'>;

type Deps = { store: DeliveryStore; client: FireflyClient };

/**
 * Delivers under the family's lock (src/store/family-lock.ts), so no row is ever sent by two runs: a run
 * that finds it held throws SyncLockedError, which says since when and which host and process hold it.
 */
export function deliverFamily(
  deps: Deps,
  familyId: string,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  return withFamilySyncLock(deps.store, familyId, () => deliverLocked(deps, familyId, options), {
    ...(options.lockHeldBy ? { heldBy: options.lockHeldBy } : {}),
  });
}

/** What the ledger holds for one delivery: the accounts, the rows to send, the rows to remove. */
interface Work {
  ledger: FireflyDeliveryRepository;
  timeZone: string;
  now: Date;
  accounts: DeliverableAccount[];
  candidates: DeliveryCandidate[];
  removals: FireflyTransactionRow[];
  links: Map<string, FireflyAccountRow>;
}

async function deliverLocked(
  deps: Deps,
  familyId: string,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const { client } = deps;
  const startRequests = client.requests;
  const result = emptyResult(options.fireflyVersion ?? (await client.checkVersion()));
  const work = await loadWork(deps.store, familyId, options);
  const needsAccount = work.accounts.some((a) => work.links.get(a.id)?.state !== 'linked');
  if (work.candidates.length === 0 && work.removals.length === 0 && !needsAccount) {
    // Nothing new: no request beyond the version check (balances from the last check unless the bank's changed).
    if (options.checkBalances !== false)
      result.balances = await checkBalances(
        deps.store,
        client,
        familyId,
        work.accounts,
        work.links,
        (_a, row, expected) => bankChanged(row, expected),
      );
  } else {
    await deliverWork(deps, familyId, options, work, result);
  }
  result.requests = client.requests - startRequests;
  return result;
}

async function loadWork(ledger: DeliveryStore, familyId: string, options: DeliveryOptions): Promise<Work> {
  const familyZone = await ledger.familyTimeZone(familyId);
  if (familyZone === undefined) throw new Error(`no family ${familyId}`);
  const accounts = await ledger.deliverableAccounts(familyId, options.accountIds);
  const accountIds = accounts.map((a) => a.id);
  const candidates = await ledger.deliveryCandidates(familyId, accountIds, {
    recreateDeleted: options.recreateDeleted ?? false,
    from: options.notBefore ?? null,
    to: options.notAfter ?? null,
  });
  const removals = await ledger.deliveryRemovals(familyId, accountIds);
  const links = await ledger.fireflyAccountLinks(familyId);
  const now = options.now ?? new Date();
  return { ledger, timeZone: options.timeZone ?? familyZone, now, accounts, candidates, removals, links };
}

async function deliverWork(
  deps: Deps,
  familyId: string,
  options: DeliveryOptions,
  work: Work,
  result: DeliveryResult,
): Promise<void> {
  const { store, client } = deps;
  const convertOptions = await conversionOptions(client, options, work);
  const tally = new DeliveryTally(result, options.onProgress);
  const links = await linkAccounts(deps, familyId, options, work, convertOptions, tally);
  const scope = new DeliveryScope({
    ledger: work.ledger,
    familyId,
    links,
    sophtronIds: await work.ledger.sophtronAccountIds(familyId),
    convertOptions,
    transferMatchDays: options.transferMatchDays ?? 5,
  });
  const executor: Executor = {
    familyId,
    client,
    journal: new DeliveryJournal(work.ledger, familyId),
    tally,
    recreateDeleted: options.recreateDeleted ?? false,
    findPartner: (c, conv) => scope.findPartner(c, conv),
  };
  await send(executor, scope, work, options.concurrency ?? 4);
  if (options.checkBalances !== false && !result.aborted) {
    try {
      result.balances = await checkBalances(
        store,
        client,
        familyId,
        work.accounts,
        links,
        (a, row, expected) => tally.touched.has(a.id) || bankChanged(row, expected),
      );
    } catch (err) {
      if (!tally.fatal(err))
        result.warnings.push(`balance check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function conversionOptions(
  client: FireflyClient,
  options: DeliveryOptions,
  work: Work,
): Promise<ConvertOptions> {
  const mapping = await resolveMapping(client, options.mapping ?? {}, work.candidates.length > 0);
  return {
    pending: options.pending ?? 'skip',
    importTag:
      options.addImportTag === false
        ? null
        : importTag(options.customTag, work.now, work.timeZone, options.version ?? '0.1.0'),
    applyRules: options.applyRules ?? true,
    fireWebhooks: options.fireWebhooks ?? true,
    errorIfDuplicateHash: options.errorIfDuplicateHash ?? true,
    timeZone: work.timeZone,
    mapping,
  };
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

/**
 * Links (or creates) the Firefly account of every account delivered; the rows of an account
 * Firefly refused are left out of this run. Returns every ledger account → Firefly account.
 */
async function linkAccounts(
  deps: Deps,
  familyId: string,
  options: DeliveryOptions,
  work: Work,
  convertOptions: ConvertOptions,
  tally: DeliveryTally,
): Promise<Map<string, FireflyAccountRow>> {
  const result = tally.result;
  const ensured = await ensureAccounts(
    deps.store,
    deps.client,
    familyId,
    work.accounts,
    options.targets ?? new Map(),
    openingHistory(work.candidates, convertOptions),
    { timeZone: work.timeZone, today: calendarDateIn(work.now, work.timeZone) },
  );
  result.accountsCreated = ensured.created.length;
  result.warnings.push(...ensured.warnings);
  for (const id of ensured.created) tally.touched.add(id);
  for (const f of ensured.failures) tally.fail(null, new Error(f.message));
  const refused = new Set(ensured.failures.map((f) => f.accountId));
  if (refused.size) work.candidates = work.candidates.filter((c) => !refused.has(c.account_id));
  return new Map([...work.links, ...ensured.linked]);
}

/** What this delivery sends per account (posted, non-zero): the opening balance of a new account. */
function openingHistory(
  candidates: DeliveryCandidate[],
  convertOptions: ConvertOptions,
): Map<string, { sumMinor: number; firstDate: string | null }> {
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
  return history;
}

/**
 * Sends the rows in chunks, each chunk's certain intents written before any of its rows is sent;
 * at most two chunks are outstanding, so p-limit's queue never runs dry. Then the removals.
 */
async function send(x: Executor, scope: DeliveryScope, work: Work, concurrency: number): Promise<void> {
  const CHUNK = 100;
  const limit = pLimit(concurrency);
  const { candidates, removals } = work;
  x.tally.total = candidates.length + removals.length;
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < candidates.length && !x.tally.result.aborted; i += CHUNK) {
    const chunk = candidates.slice(i, i + CHUNK);
    for (const c of chunk) intendAhead(x, scope, c);
    await x.journal.flush();
    const running = Promise.all(chunk.map((c) => limit(() => deliverRow(x, c, scope.convert(c)))));
    await previous;
    previous = running;
  }
  await previous;
  await Promise.all(removals.map((r) => limit(() => removeRow(x, r))));
  await x.journal.flush();
}

/** A row the plan creates without asking Firefly anything (and not a transfer): its intent goes ahead. */
function intendAhead(x: Executor, scope: DeliveryScope, c: DeliveryCandidate): void {
  if (!isFresh(c, x.recreateDeleted)) return;
  const conversion = scope.convert(c);
  if (conversion?.kind !== 'group' || conversion.transferCounterpart) return;
  const plan = planDelivery({ row: c, conversion, recreateDeleted: x.recreateDeleted });
  if (plan.kind === 'create') x.journal.intendAhead(sendingRecord(x.familyId, c, conversion));
}

/**
 * Whether the bank's side changed since the last balance check. A sync takes a new snapshot even
 * when the balance is the same; only a different amount asks Firefly again.
 */
function bankChanged(row: FireflyAccountRow, expected: number | null): boolean {
  return !row.checked_at || expected !== row.checked_bank_minor;
}

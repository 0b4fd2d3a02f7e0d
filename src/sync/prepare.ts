/**
 * Before a run spends anything: the request is checked (dates, accounts of the family) and each
 * account's window found, so a bad request is refused with SyncRequestError before the run is
 * recorded or Sophtron called.
 */
import type { CalendarDate } from '../domain/types.js';
import type { SyncableAccount } from '../store/index.js';
import { addDays, calendarDateIn, isCalendarDate } from '../dates.js';
import { SyncRequestError } from './errors.js';
import type { RunContext, RunScope, SyncOptions } from './types.js';
import { clampToHistory, computeWindow, historyStart, reachForPending, type SyncWindow } from './window.js';

/** SOPHTRON_HISTORY_DAYS's default, for callers that pass no setting. */
const DEFAULT_HISTORY_DAYS = 730;
/** Checks the request, finds the accounts and each one's window; refuses with SyncRequestError. */
export async function prepareRun(ctx: RunContext): Promise<RunScope> {
  const { store, familyId, options, clock } = ctx;
  checkDates(options);
  const timeZone = await store.familyTimeZone(familyId);
  if (timeZone === undefined) throw new SyncRequestError(`family ${familyId} not found`);
  // Sophtron has nothing after tomorrow (a bank ahead of the family's zone): a later bound only
  // spends calls (`--to 3000-01-01` once read 3,955 windows of nothing).
  const tomorrow = addDays(calendarDateIn(clock(), timeZone), 1);
  for (const [flag, value] of [
    ['--to', options.to],
    ['--from', options.from],
  ] as const) {
    if (value !== undefined && value > tomorrow)
      throw new SyncRequestError(
        `${flag} ${value} is after tomorrow (${tomorrow}): Sophtron has nothing later`,
      );
  }
  const accounts = await store.listSyncableAccounts(familyId, options.accountIds);
  if (options.accountIds) {
    const found = new Set(accounts.map((a) => a.id));
    const missing = options.accountIds.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new SyncRequestError(`not a linked account of this family: ${missing.join(', ')}`);
  }
  const startedMs = clock().getTime();
  const today = calendarDateIn(clock(), timeZone);
  const windows = await accountWindows(ctx, accounts, today, timeZone);
  return { accounts, windows, today, timeZone, startedMs };
}
/** `--from` and `--to` are calendar dates, in order. */
function checkDates(options: SyncOptions): void {
  for (const [flag, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    if (value !== undefined && !isCalendarDate(value)) {
      throw new SyncRequestError(
        `${flag}: must be a calendar date YYYY-MM-DD (got ${JSON.stringify(value)})`,
      );
    }
  }
  if (options.from && options.to && options.from > options.to) {
    throw new SyncRequestError(`--from ${options.from} is after --to ${options.to}`);
  }
}

/**
 * Each account's window (window.ts), no earlier than the bank's history limit (the run's notes say
 * when that cut a start), reaching back for the account's oldest pending row.
 */
async function accountWindows(
  ctx: RunContext,
  accounts: readonly SyncableAccount[],
  today: CalendarDate,
  timeZone: string,
): Promise<Map<string, SyncWindow>> {
  const { deps, options, notes } = ctx;
  const historyDays = deps.config.sophtronHistoryDays ?? DEFAULT_HISTORY_DAYS;
  const earliest = historyStart(today, historyDays);
  const limitText = `the bank's history limit (SOPHTRON_HISTORY_DAYS = ${historyDays} days); reading from ${earliest}`;
  // The CLI's flag by its name; an import configuration's or a script's start as "the start".
  const fromName = options.trigger === 'cli' ? '--from' : 'the start';
  if (options.from && options.from < earliest)
    notes.push(`${fromName} ${options.from} is before ${limitText}`);
  const windows = new Map<string, SyncWindow>();
  for (const a of accounts) {
    let window: SyncWindow;
    try {
      const clamped = clampToHistory(
        computeWindow({
          account: a,
          today,
          timeZone,
          settings: deps.config,
          from: options.from,
          to: options.to,
        }),
        earliest,
      );
      window = clamped.window;
      if (clamped.clampedFrom && window.basis !== 'explicit')
        notes.push(`${a.name}: ${clamped.clampedFrom} is before ${limitText}`);
    } catch (err) {
      throw new SyncRequestError(`${a.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const reached = reachForPending(window, await ctx.store.oldestPendingDate(ctx.familyId, a.id));
    windows.set(a.id, reached.from < earliest ? { ...reached, from: earliest } : reached);
  }
  return windows;
}

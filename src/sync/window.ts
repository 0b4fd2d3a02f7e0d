/**
 * Which days a sync reads for one account. Each account carries its own position
 * (accounts.synced_through), so an account linked after its siblings still gets its full backfill
 * (Sure windows by the connection's last sync and gives late accounts ~60 days only).
 */
import type { CalendarDate } from '../domain/types.js';
import { addDays, calendarDateIn, daysBetween, maxDate, minDate } from '../dates.js';

export interface SyncWindow {
  from: CalendarDate;
  to: CalendarDate;
  /** Why the window starts where it does, for logs and the run summary. */
  basis: 'first_sync' | 'since_last_sync' | 'explicit';
}

export interface WindowAccount {
  sync_start_date: CalendarDate | null;
  synced_through: CalendarDate | null;
  /** ISO timestamp; the day of linking anchors the default start. */
  created_at: string;
}

export interface WindowSettings {
  syncStartDays: number;
  syncOverlapDays: number;
}

/** The first day this account should ever read: its own start date, else SYNC_START_DAYS before linking. */
export function firstSyncStart(
  account: WindowAccount,
  settings: Pick<WindowSettings, 'syncStartDays'>,
  timeZone: string,
  today?: CalendarDate,
): CalendarDate {
  if (account.sync_start_date) return account.sync_start_date;
  const linked = calendarDateIn(new Date(account.created_at), timeZone);
  // A clock behind the linking time (a skewed host, a sandbox clock) must not push the start ahead.
  return addDays(today ? minDate(linked, today) : linked, -settings.syncStartDays);
}

export function computeWindow(input: {
  account: WindowAccount;
  today: CalendarDate;
  timeZone: string;
  settings: WindowSettings;
  from?: CalendarDate | undefined;
  to?: CalendarDate | undefined;
}): SyncWindow {
  const { account, today, settings } = input;
  // Tomorrow: a bank in a time zone ahead of the family's may already date rows on the next day.
  const to = input.to ?? addDays(today, 1);
  const start = firstSyncStart(account, settings, input.timeZone, today);
  let from: CalendarDate;
  let basis: SyncWindow['basis'];
  if (input.from) {
    from = input.from;
    basis = 'explicit';
  } else if (account.synced_through) {
    // Never before the account's own start: the user chose not to have older history.
    from = maxDate(addDays(account.synced_through, -settings.syncOverlapDays), start);
    basis = 'since_last_sync';
  } else {
    from = start;
    basis = 'first_sync';
  }
  if (input.to) basis = 'explicit';
  if (from > to) throw new Error(`the window would start ${from}, after its end ${to}`);
  return { from, to, basis };
}

/**
 * Where the account stands after a successful sync of `window`. It only moves forward, and only
 * when the window joined up with what was already synced: a window that leaves a gap (an explicit
 * --from after synced_through) must not hide that gap from the next sync.
 */
export function nextSyncedThrough(
  account: WindowAccount,
  window: Pick<SyncWindow, 'from' | 'to'>,
  settings: Pick<WindowSettings, 'syncStartDays'>,
  timeZone: string,
): CalendarDate | null {
  const needed = account.synced_through ?? firstSyncStart(account, settings, timeZone);
  const joins = window.from <= addDays(needed, 1);
  if (!joins) return account.synced_through;
  return account.synced_through ? maxDate(account.synced_through, window.to) : window.to;
}

/**
 * The first day a bank's history reaches at Sophtron (SOPHTRON_HISTORY_DAYS before today). Sophtron
 * documents no limit, but reading before it only spends calls on empty windows (`--from 1900-01-01`
 * once spent 521).
 */
export function historyStart(today: CalendarDate, historyDays: number): CalendarDate {
  return addDays(today, -historyDays);
}

/**
 * A window that starts before the history limit starts at it instead (`clampedFrom` says what was
 * asked, for the run's notes); a window that ends before it has nothing to read and is refused.
 */
export function clampToHistory(
  window: SyncWindow,
  earliest: CalendarDate,
): { window: SyncWindow; clampedFrom: CalendarDate | null } {
  if (window.to < earliest) {
    throw new Error(
      `the window ends ${window.to}, before the bank's history limit (${earliest}, SOPHTRON_HISTORY_DAYS): Sophtron has nothing older`,
    );
  }
  if (window.from >= earliest) return { window, clampedFrom: null };
  return { window: { ...window, from: earliest }, clampedFrom: window.from };
}

/**
 * An account's start date as a person sets it (API, account settings, `accounts link/update
 * --start-date`): one in the future is refused (every later sync would fail); one before the
 * bank's history limit becomes the limit, and `note` says so.
 */
export function accountStartDate(
  start: CalendarDate,
  today: CalendarDate,
  historyDays: number,
): { error: string } | { date: CalendarDate; note: string | null } {
  if (start > today) return { error: `must not be in the future (today is ${today})` };
  const earliest = historyStart(today, historyDays);
  if (start >= earliest) return { date: start, note: null };
  return {
    date: earliest,
    note: `${start} is before the bank's history limit (SOPHTRON_HISTORY_DAYS = ${historyDays} days); the account reads from ${earliest}`,
  };
}

/** How far before its usual start a window may reach to re-read an open pending transaction. */
export const PENDING_REACH_DAYS = 30;

/**
 * Reaches back to the oldest pending transaction still open in the ledger (at most
 * PENDING_REACH_DAYS before the usual start), so whether it is still listed is judged on what the
 * bank shows, not on it having slipped out of the window: holds (hotels, car rentals) can stay
 * pending for weeks. Explicit windows are left as asked.
 */
export function reachForPending(window: SyncWindow, oldestPending: CalendarDate | null): SyncWindow {
  if (window.basis === 'explicit' || !oldestPending || oldestPending >= window.from) return window;
  return { ...window, from: maxDate(oldestPending, addDays(window.from, -PENDING_REACH_DAYS)) };
}

/**
 * Where the account stands after a sync whose refresh did not work (the bank refused, asked for
 * MFA, or Sophtron kept failing the call): what was read is what Sophtron held when it last updated
 * the account, so the position moves over the window up to that day, never further and never back.
 * Without that day the position stays. A fault run is thus not followed by a full re-read.
 */
export function positionWithoutRefresh(
  account: WindowAccount,
  window: Pick<SyncWindow, 'from' | 'to'>,
  settings: Pick<WindowSettings, 'syncStartDays'>,
  timeZone: string,
  sophtronUpdatedAt: string | null,
): CalendarDate | null {
  const updated = sophtronUpdatedAt ? sophtronInstant(sophtronUpdatedAt) : null;
  const next = nextSyncedThrough(account, window, settings, timeZone);
  if (!updated || Number.isNaN(updated.getTime()) || !next) return account.synced_through;
  const moved = minDate(next, calendarDateIn(updated, timeZone));
  return account.synced_through ? maxDate(account.synced_through, moved) : moved;
}

/** Sophtron's timestamps: ISO with or without a zone (then UTC), or .NET's "/Date(ms)/". */
function sophtronInstant(text: string): Date {
  const ms = /^\/Date\((-?\d+)/.exec(text);
  if (ms) return new Date(Number(ms[1]));
  return new Date(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
}

/** About this many transactions per backfill part: what a part holds in memory, whatever the bank's volume. */
export const PART_TARGET_ROWS = 1_000;

/**
 * A long window (a backfill of years) is read and committed in parts, each at most one Sophtron read
 * window (SOPHTRON_WINDOW_DAYS) long: a backfill then holds one part in memory at a time and, killed
 * half-way, resumes after the last part committed. A window of one read window (every incremental
 * sync) stays one part: one database transaction per account. This gives the days of the part that
 * starts at `from`.
 */
export function partEnd(from: CalendarDate, days: number, windowTo: CalendarDate): CalendarDate {
  return minDate(addDays(from, Math.max(1, Math.floor(days)) - 1), windowTo);
}

/** A backfill's first part: short, until the account's volume is known (incremental syncs: the whole window). */
export const FIRST_PART_DAYS = 14;

export function firstPartDays(window: Pick<SyncWindow, 'from' | 'to'>, maxDays: number): number {
  const days = daysBetween(window.from, window.to) + 1;
  return days <= maxDays ? days : Math.min(FIRST_PART_DAYS, maxDays);
}

/**
 * The next part's length after one of `days` days held `rows` transactions: sized so that it holds
 * about PART_TARGET_ROWS (a busy account gets shorter parts), never longer than `maxDays`.
 */
export function nextPartDays(
  days: number,
  rows: number,
  maxDays: number,
  targetRows = PART_TARGET_ROWS,
): number {
  if (rows <= 0) return maxDays;
  return Math.max(1, Math.min(maxDays, Math.floor((days * targetRows) / rows)));
}

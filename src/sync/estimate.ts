/**
 * How many Sophtron calls a manual request will spend, before it spends them: pure (no I/O, the
 * days come in), so the budget check can refuse a request with figures instead of finding out
 * afterwards (`sync --to 3000-01-01` once spent 3,955 calls). It follows how the runner reads:
 * each bank login refreshed once (a start call and the job's polls), then per account one account
 * read and one transactions read per part of its window (a short first part, then parts of at most
 * SOPHTRON_WINDOW_DAYS, see window.ts). A very busy account is read in shorter parts, so the
 * figure is a floor for those: "about".
 */
import type { CalendarDate } from '../domain/types.js';
import { daysBetween } from '../dates.js';
import { firstPartDays } from './window.js';

/**
 * Calls of one refresh job: the start call and the polls until the bank answers (a job takes a
 * few seconds; polls start at SOPHTRON_JOB_POLL_MS and grow). Measured on the sandbox's banks.
 */
export const REFRESH_CALLS_PER_LOGIN = 6;

/** Transactions reads of one date range when read in windows of `windowDays` (the client's `dateWindows`). */
export function windowReads(from: CalendarDate, to: CalendarDate, windowDays: number): number {
  if (from > to) return 0;
  return Math.ceil((daysBetween(from, to) + 1) / Math.max(1, windowDays));
}

/** Transactions reads of one account's sync window: its first part, then parts of `windowDays`. */
export function syncWindowReads(
  window: { from: CalendarDate; to: CalendarDate },
  windowDays: number,
): number {
  const days = daysBetween(window.from, window.to) + 1;
  const first = firstPartDays(window, windowDays);
  return 1 + Math.ceil((days - first) / Math.max(1, windowDays));
}

export interface SyncCallsInput {
  accounts: readonly { connectionId: string; window: { from: CalendarDate; to: CalendarDate } }[];
  /** False with `--no-refresh`: no refresh jobs. */
  refresh: boolean;
  windowDays: number;
  refreshCallsPerLogin?: number;
}

export interface SyncCallsEstimate {
  calls: number;
  refreshCalls: number;
  readCalls: number;
  logins: number;
}

export function estimateSyncCalls(input: SyncCallsInput): SyncCallsEstimate {
  const logins = new Set(input.accounts.map((a) => a.connectionId)).size;
  const refreshCalls = input.refresh ? logins * (input.refreshCallsPerLogin ?? REFRESH_CALLS_PER_LOGIN) : 0;
  // One account read (balances) per account, then its transactions parts.
  const readCalls = input.accounts.reduce((n, a) => n + 1 + syncWindowReads(a.window, input.windowDays), 0);
  return { calls: refreshCalls + readCalls, refreshCalls, readCalls, logins };
}

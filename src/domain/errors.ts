/**
 * Errors that more than one layer raises and every way in (CLI, web, scheduler) tells apart: the
 * sync refuses a request with one, and so does the family lock the store keeps for sync and delivery.
 */

/** A request the sync cannot start (unknown account, bad dates, the family's lock held): nothing was written. */
export class SyncRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncRequestError';
  }
}

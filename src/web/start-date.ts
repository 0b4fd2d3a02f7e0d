/** An account's start date as a person sets it on a page or through the API (sync/window.ts's rule). */
import { calendarDateIn } from '../dates.js';
import { accountStartDate } from '../sync/window.js';
import type { WebDeps } from './context.js';
import { familyTimeZone } from './users.js';

/** Today in the family's time zone decides "in the future" and where the history limit falls. */
export async function familyStartDate(
  deps: Pick<WebDeps, 'store' | 'config'>,
  familyId: string,
  start: string,
): Promise<ReturnType<typeof accountStartDate>> {
  const today = calendarDateIn(new Date(), await familyTimeZone(deps.store, familyId));
  return accountStartDate(start, today, deps.config.sophtronHistoryDays);
}

/** The Sophtron job protocol's own values (the domain values are in src/domain/types.ts). */
import type { Challenge } from '../domain/types.js';

/** What a job poll tells the caller. */
export type JobState =
  | { state: 'running'; step: string | null; status: string | null }
  | { state: 'challenge'; challenge: Challenge }
  | { state: 'accounts_ready'; userInstitutionId?: string | null }
  | { state: 'succeeded'; userInstitutionId?: string | null }
  /** `bankTimedOut`: the bank did not answer Sophtron in time (LastStatus Timeout), not a refusal. */
  | { state: 'failed'; message: string; bankTimedOut?: boolean };

/** The Sophtron client the job tests point at a scripted server: any credentials, no retries. */
import { createSophtronClient, type SophtronClient } from '../../src/sophtron/client.js';

export const noRetryClient = (baseUrl: string): SophtronClient =>
  createSophtronClient({ userId: 'u', accessKey: 'c2VjcmV0', baseUrl, retryBudgetMs: 0 });

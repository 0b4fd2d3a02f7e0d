/** The client's side of the base-URL rule (src/domain/base-url.ts): a bad address is a config error. */
import { parseBaseUrl } from '../domain/base-url.js';
import { SophtronConfigError } from './errors.js';

export function normalizeBaseUrl(input: string | undefined | null): string {
  const parsed = parseBaseUrl(input);
  if ('problem' in parsed) throw new SophtronConfigError(`SOPHTRON_BASE_URL ${parsed.problem}`);
  return parsed.url;
}

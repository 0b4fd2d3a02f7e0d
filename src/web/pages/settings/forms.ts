/** The Settings page's forms: Sophtron credentials, the Firefly III connection, the time zone. */
import { z } from 'zod';
import { isTimeZone } from '../../../dates.js';
import { text } from '../../forms.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
export function isAllowedBaseUrl(value: string): boolean {
  try {
    const u = new URL(value);
    if (u.protocol === 'https:') return true;
    return u.protocol === 'http:' && (LOOPBACK.has(u.hostname) || u.hostname.startsWith('127.'));
  } catch {
    return false;
  }
}

const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? null : v))
  .refine((v) => v === null || isAllowedBaseUrl(v), 'must be an https address (http only for localhost)');

export const sophtronSchema = z.object({
  user_id: text(100),
  access_key: text(500),
  base_url: optionalUrl.optional().transform((v) => v ?? null),
});
export const SOPHTRON_LABELS = {
  user_id: 'Sophtron User ID',
  access_key: 'Sophtron Access Key',
  base_url: 'Base URL',
};

export const fireflySchema = z.object({
  url: z
    .string()
    .trim()
    .url('must be an address such as http://firefly.local:8080')
    .refine((v) => /^https?:/.test(v), 'must start with http:// or https://'),
  token: z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : v)),
});
export const FIREFLY_LABELS = { url: 'Firefly III address', token: 'Personal access token' };

export const timeZoneSchema = z.object({
  time_zone: z.string().trim().refine(isTimeZone, 'is not an IANA time zone such as America/New_York'),
});

/** What was typed in a refused form, shown again (never the secrets). */
export interface Typed {
  userId?: string;
  baseUrl?: string;
  fireflyUrl?: string;
}

export const typedText = (form: Record<string, string | string[]>, name: string): string | undefined => {
  const v = form[name];
  return typeof v === 'string' ? v.slice(0, 500) : undefined;
};

/** What the connect forms send, read: an MFA answer, and the accounts chosen for linking. */
import { z } from 'zod';
import type { ChallengeAnswer } from '../../../domain/types.js';
import type { Store } from '../../../store/index.js';
import { KIND_OPTIONS } from '../../components/link-form.js';
import { errorText } from './loaders.js';

type Form = Record<string, string | string[]>;

/** The answer to a challenge of `kind`, or the message saying what is missing. */
export function parseAnswer(kind: string, form: Form): ChallengeAnswer | string {
  const one = (k: string) => {
    const v = form[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
  };
  switch (kind) {
    case 'security_questions': {
      const v = form.answer;
      const answers = (Array.isArray(v) ? v : v ? [v] : []).map((a) => a.trim());
      if (answers.length === 0 || answers.some((a) => a === ''))
        return 'Answer: every question needs an answer';
      return { kind, answers };
    }
    case 'token_method':
      return one('method') ? { kind, method: one('method') } : 'Method: choose where to send the code';
    case 'token_input':
      return one('code') ? { kind, code: one('code') } : 'Code: is required';
    case 'token_read':
      return { kind, approved: true };
    case 'captcha':
      return one('text') ? { kind, text: one('text') } : 'Characters in the image: are required';
    case 'account_select':
      return one('account') ? { kind, accountId: one('account') } : 'Account: choose one';
    default:
      return 'Unknown challenge';
  }
}

const linkSchema = z.object({ link: z.array(z.string()).default([]) });

/** The provider account ids ticked on the link form. */
export function chosenProviderAccounts(form: Form): string[] {
  const parsed = linkSchema.safeParse({ link: typeof form.link === 'string' ? [form.link] : form.link });
  return parsed.success ? parsed.data.link : [];
}

type Kind = (typeof KIND_OPTIONS)[number]['value'];
export type LinkOutcome = { linked: number } | { error: string } | 'not found';

/**
 * Links each chosen provider account of the connection, in the order chosen, as the form says;
 * it stops at the first one it cannot link (those before it stay linked).
 */
export async function linkChosen(
  store: Store,
  familyId: string,
  connectionId: string,
  chosen: string[],
  form: Form,
): Promise<LinkOutcome> {
  const providerAccounts = await store.listProviderAccounts(familyId, { connectionId });
  const kinds = new Set(KIND_OPTIONS.map((k) => k.value));
  let linked = 0;
  for (const paId of chosen) {
    const pa = providerAccounts.find((p) => p.id === paId);
    if (!pa) return 'not found';
    if (pa.account) continue;
    const field = (k: string) =>
      typeof form[`${k}_${paId}`] === 'string' ? (form[`${k}_${paId}`] as string).trim() : '';
    const kind = field('kind');
    if (!kinds.has(kind as never)) return { error: `Kind of ${pa.name}: choose one of the list` };
    const into = field('into');
    try {
      await store.linkAccount(
        familyId,
        pa.id,
        into
          ? // An existing account keeps its name, kind and currency (its history is in them).
            { intoAccountId: into, ...(field('start') ? { startDate: field('start') } : {}) }
          : {
              name: field('name') || pa.name,
              kind: kind as Kind,
              currency: field('currency').toUpperCase(),
              startDate: field('start') || null,
            },
      );
      linked++;
    } catch (err) {
      return { error: `${pa.name}: ${errorText(err)}` };
    }
  }
  return { linked };
}

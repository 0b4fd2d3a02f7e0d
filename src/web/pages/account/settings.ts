/** Saving an account's settings from its page: the form's fields, checked, then the start date's rule. */
import { z } from 'zod';
import type { Account } from '../../../store/index.js';
import { KIND_OPTIONS } from '../../components/link-form.js';
import type { WebDeps } from '../../context.js';
import { parseForm, text } from '../../forms.js';
import { familyStartDate } from '../../start-date.js';

const settingsSchema = z.object({
  name: text(100),
  kind: z.enum(KIND_OPTIONS.map((k) => k.value) as [string, ...string[]]),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO code such as USD'),
  balance_rule: z.enum(['as_reported', 'negate', 'owed_positive']),
  start_date: z
    .string()
    .trim()
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'must be a date YYYY-MM-DD')
    .transform((v) => (v === '' ? null : v)),
});
const SETTINGS_LABELS = {
  name: 'Name',
  kind: 'Kind',
  currency: 'Currency',
  balance_rule: 'Balance rule',
  start_date: 'First day to read',
};

/** The message of the redirect back to the account's page: saved (with a note), or what is wrong. */
export type SaveOutcome = { ok: string } | { error: string };

export async function saveAccountSettings(
  deps: Pick<WebDeps, 'store' | 'config'>,
  familyId: string,
  account: Account,
  form: Record<string, string | string[]>,
): Promise<SaveOutcome> {
  const parsed = parseForm(settingsSchema, form, SETTINGS_LABELS);
  if (!parsed.ok) return { error: parsed.error };
  let startDate = parsed.data.start_date;
  let note: string | null = null;
  if (startDate) {
    const start = await familyStartDate(deps, familyId, startDate);
    if ('error' in start) return { error: `${SETTINGS_LABELS.start_date}: ${start.error}` };
    startDate = start.date;
    note = start.note;
  }
  try {
    await deps.store.updateAccount(familyId, account.id, {
      name: parsed.data.name,
      kind: parsed.data.kind as (typeof KIND_OPTIONS)[number]['value'],
      currency: parsed.data.currency,
      balanceRule: parsed.data.balance_rule,
      startDate,
    });
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  return { ok: note ? `Saved. ${SETTINGS_LABELS.start_date}: ${note}.` : 'Saved.' };
}

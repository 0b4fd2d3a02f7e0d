/**
 * Settings: the family's Sophtron credentials (never shown again after saving), the Firefly III
 * connection, and the family's time zone. Tests of a connection answer inline through htmx.
 * Its data is read by settings/loaders.ts and shown by settings/views.tsx; the routes here parse,
 * check, save, and redirect.
 */
import { isValidAccessKey } from '../../../sophtron/signing.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData, parseForm } from '../../forms.js';
import { flashFrom, page, withFlash } from '../../render.js';
import {
  FIREFLY_LABELS,
  fireflySchema,
  SOPHTRON_LABELS,
  sophtronSchema,
  timeZoneSchema,
  typedText,
  type Typed,
} from './forms.js';
import { loadSettings } from './loaders.js';
import { CheckResult, FireflyResult, SettingsPage } from './views.js';

export function registerSettingsPages(app: WebApp): void {
  app.get('/settings', (c) => settingsPage(c));
  app.post('/settings/sophtron', saveSophtron);
  app.post('/settings/sophtron/remove', removeSophtron);
  app.post('/settings/sophtron/test', testSophtron);
  app.post('/settings/firefly', saveFirefly);
  app.post('/settings/firefly/remove', removeFirefly);
  app.post('/settings/firefly/test', testFirefly);
  app.post('/settings/time-zone', saveTimeZone);
}

async function settingsPage(
  c: Ctx,
  opts: { flash?: { kind: 'ok' | 'error'; text: string }; typed?: Typed; status?: 400 } = {},
) {
  const user = currentUser(c);
  const data = await loadSettings(c.var.deps, user.familyId);
  const view = (
    <SettingsPage
      {...data}
      typed={opts.typed ?? {}}
      readOnly={user.role !== 'admin'}
      csrf={c.var.csrf}
      environmentSophtron={Boolean(c.var.deps.config.sophtronUserId)}
    />
  );
  return page(c, 'Settings', view, {
    flash: opts.flash ?? flashFrom(c),
    ...(opts.status ? { status: opts.status } : {}),
  });
}

/** The page again, with the refusal and what was typed, so nothing has to be typed twice. */
const refused = (c: Ctx, error: string, typed: Typed) =>
  settingsPage(c, { flash: { kind: 'error', text: error }, typed, status: 400 });

async function saveSophtron(c: Ctx) {
  const user = currentUser(c);
  const form = await formData(c);
  const parsed = parseForm(sophtronSchema, form, SOPHTRON_LABELS);
  if (!parsed.ok)
    return refused(c, parsed.error, {
      userId: typedText(form, 'user_id'),
      baseUrl: typedText(form, 'base_url'),
    });
  const typed = { userId: parsed.data.user_id, baseUrl: parsed.data.base_url ?? '' };
  if (!isValidAccessKey(parsed.data.access_key))
    return refused(
      c,
      'Sophtron Access Key: is not base64 text; copy the whole key from Developer Profile → Direct Auth',
      typed,
    );
  const input = {
    userId: parsed.data.user_id,
    accessKey: parsed.data.access_key,
    baseUrl: parsed.data.base_url,
  };
  // Checked before it is saved: a key Sophtron refuses would only fail later, in a sync.
  const check = await c.var.deps.services.sophtron.test(user.familyId, input);
  if (check.result !== 'accepted')
    return refused(
      c,
      check.result === 'rejected'
        ? `Sophtron refused these credentials (${check.message}); nothing was saved.`
        : `Sophtron could not be reached to check them (${check.message}); nothing was saved.`,
      typed,
    );
  await c.var.deps.services.sophtron.save(user.familyId, input);
  return c.redirect(withFlash('/settings', 'ok', 'Sophtron credentials saved and accepted by Sophtron.'));
}

async function removeSophtron(c: Ctx) {
  const user = currentUser(c);
  await c.var.deps.services.sophtron.remove(user.familyId);
  const now = await c.var.deps.services.sophtron.describe(user.familyId);
  const fallback =
    now.source === 'environment'
      ? 'the credentials of the environment (SOPHTRON_*) apply again'
      : now.source === 'sandbox'
        ? 'this family uses the built-in sandbox again'
        : 'no credentials are set';
  return c.redirect(withFlash('/settings', 'ok', `Sophtron credentials removed: ${fallback}.`));
}

async function testSophtron(c: Ctx) {
  const check = await c.var.deps.services.sophtron.test(currentUser(c).familyId);
  if (c.req.header('hx-request')) return c.html(<CheckResult check={check} />);
  return c.redirect(
    withFlash(
      '/settings',
      check.result === 'accepted' ? 'ok' : 'error',
      check.result === 'accepted'
        ? 'Sophtron accepted the credentials.'
        : `Sophtron test failed: ${check.message}`,
    ),
  );
}

async function saveFirefly(c: Ctx) {
  const user = currentUser(c);
  const form = await formData(c);
  const parsed = parseForm(fireflySchema, form, FIREFLY_LABELS);
  if (!parsed.ok) return refused(c, parsed.error, { fireflyUrl: typedText(form, 'url') });
  const existing = await c.var.deps.services.firefly.describe(user.familyId);
  if (!parsed.data.token && !existing?.tokenSet)
    return refused(c, 'Personal access token: is required', { fireflyUrl: parsed.data.url });
  const { firefly } = c.var.deps.services;
  const token = await firefly.tokenFor(user.familyId, parsed.data.token);
  // Checked with /about before it is saved, so a wrong address or token shows up now.
  const check = token ? await firefly.test(user.familyId, { url: parsed.data.url, token }) : null;
  if (check && !check.ok)
    return refused(
      c,
      check.reason === 'unreachable'
        ? `Firefly III did not answer at ${parsed.data.url} (${check.message}); nothing was saved.`
        : `Firefly III did not accept the connection (${check.message}); nothing was saved.`,
      { fireflyUrl: parsed.data.url },
    );
  await firefly.save(user.familyId, { url: parsed.data.url, token: parsed.data.token });
  return c.redirect(
    withFlash(
      '/settings',
      'ok',
      `Firefly III connection saved${check?.ok && check.version ? ` (Firefly III ${check.version})` : ''}.`,
    ),
  );
}

async function removeFirefly(c: Ctx) {
  const user = currentUser(c);
  await c.var.deps.services.firefly.remove(user.familyId);
  const now = await c.var.deps.services.firefly.describe(user.familyId);
  return c.redirect(
    withFlash(
      '/settings',
      'ok',
      `Firefly III connection removed${now ? ': the environment’s (FIREFLY_III_URL) applies again' : ''}.`,
    ),
  );
}

async function testFirefly(c: Ctx) {
  const result = await c.var.deps.services.firefly.test(currentUser(c).familyId);
  if (c.req.header('hx-request')) return c.html(<FireflyResult result={result} />);
  return c.redirect(
    withFlash(
      '/settings',
      result.ok ? 'ok' : 'error',
      result.ok ? 'Firefly III connection works.' : `Firefly III test failed: ${result.message}`,
    ),
  );
}

async function saveTimeZone(c: Ctx) {
  const user = currentUser(c);
  const parsed = parseForm(timeZoneSchema, await formData(c), { time_zone: 'Time zone' });
  if (!parsed.ok) return c.redirect(withFlash('/settings', 'error', parsed.error));
  await c.var.deps.store.updateFamily(user.familyId, { timeZone: parsed.data.time_zone });
  return c.redirect(withFlash('/settings', 'ok', 'Time zone saved.'));
}

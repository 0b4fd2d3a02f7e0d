/**
 * Settings: the family's Sophtron credentials (never shown again after saving), the Firefly III
 * connection, and the family's time zone. Tests of a connection answer inline through htmx.
 */
import { z } from 'zod';
import type { CredentialCheck } from '../../sophtron/api.js';
import { isValidAccessKey } from '../../sophtron/signing.js';
import type { Ctx, WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { formData, parseForm, text } from '../forms.js';
import { TestButton } from '../components/test-button.js';
import { TIME_ZONE_LIST, TimeZoneList } from '../components/time-zones.js';
import { CsrfField } from '../layout.js';
import { flashFrom, page, withFlash } from '../render.js';
import type { FireflyTestResult } from '../services.js';
import { isTimeZone } from '../../dates.js';

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

const sophtronSchema = z.object({
  user_id: text(100),
  access_key: text(500),
  base_url: optionalUrl.optional().transform((v) => v ?? null),
});
const SOPHTRON_LABELS = {
  user_id: 'Sophtron User ID',
  access_key: 'Sophtron Access Key',
  base_url: 'Base URL',
};

const fireflySchema = z.object({
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
const FIREFLY_LABELS = { url: 'Firefly III address', token: 'Personal access token' };

function CheckResult({ check }: { check: CredentialCheck }) {
  if (check.result === 'accepted')
    return (
      <p class="flash ok" role="status">
        Sophtron accepted the credentials.
      </p>
    );
  return (
    <p class="flash error" role="alert">
      {check.result === 'rejected' ? 'Sophtron refused the credentials: ' : 'Sophtron could not be reached: '}
      {check.message}
    </p>
  );
}

function FireflyResult({ result }: { result: FireflyTestResult }) {
  if (result.ok)
    return (
      <p class="flash ok" role="status">
        Connected to Firefly III{result.version ? ` ${result.version}` : ''}
        {result.user ? ` as ${result.user}` : ''}.
      </p>
    );
  return (
    <p class="flash error" role="alert">
      Firefly III test failed: {result.message}
    </p>
  );
}

/** What was typed in a refused form, shown again (never the secrets). */
interface Typed {
  userId?: string;
  baseUrl?: string;
  fireflyUrl?: string;
}

/** The page again, with the refusal and what was typed, so nothing has to be typed twice. */
const refused = (c: Ctx, error: string, typed: Typed) =>
  settingsPage(c, { flash: { kind: 'error', text: error }, typed, status: 400 });

const typedText = (form: Record<string, string | string[]>, name: string): string | undefined => {
  const v = form[name];
  return typeof v === 'string' ? v.slice(0, 500) : undefined;
};

async function settingsPage(
  c: Ctx,
  opts: { flash?: { kind: 'ok' | 'error'; text: string }; typed?: Typed; status?: 400 } = {},
) {
  const typed = opts.typed ?? {};
  const user = currentUser(c);
  const { services, store, config } = c.var.deps;
  const sophtron = await services.sophtron.describe(user.familyId);
  const firefly = await services.firefly.describe(user.familyId);
  const family = await store.getFamily(user.familyId);
  const csrf = c.var.csrf;
  const readOnly = user.role !== 'admin';
  return page(
    c,
    'Settings',
    <>
      {readOnly && <p>Only an administrator of the family can change these settings.</p>}
      <section class="card" aria-labelledby="sophtron-h">
        <h2 id="sophtron-h">Sophtron</h2>
        {sophtron.source === 'sandbox' ? (
          <p>No Sophtron credentials are set: this family uses the built-in sandbox.</p>
        ) : (
          <dl>
            <dt>User ID</dt>
            <dd id="sophtron-user-id">{sophtron.userId}</dd>
            <dt>Access Key</dt>
            <dd>set{sophtron.source === 'environment' ? ' (from SOPHTRON_ACCESS_KEY)' : ''}</dd>
            {sophtron.baseUrl && (
              <>
                <dt>Base URL</dt>
                <dd>{sophtron.baseUrl}</dd>
              </>
            )}
          </dl>
        )}
        {!readOnly && (
          <TestButton
            action="/settings/sophtron/test"
            resultId="sophtron-test"
            csrf={csrf}
            label="Test the current credentials"
          />
        )}
        {!readOnly && (
          <form method="post" action="/settings/sophtron">
            <CsrfField token={csrf} />
            <p>
              From Sophtron's developer portal (Developer Profile → Direct Auth). The Access Key is encrypted
              and never shown again.
              {sophtron.source === 'environment' &&
                ' Saved credentials take the place of the environment’s for this family.'}
            </p>
            <label>
              Sophtron User ID <input name="user_id" required autocomplete="off" value={typed.userId ?? ''} />
            </label>
            <label>
              Sophtron Access Key <input name="access_key" type="password" required autocomplete="off" />
            </label>
            <label>
              Base URL (optional){' '}
              <input
                name="base_url"
                type="url"
                placeholder="https://api.sophtron.com/api"
                value={typed.baseUrl ?? ''}
              />
            </label>
            <button type="submit">Save the credentials</button>
          </form>
        )}
        {!readOnly && sophtron.source === 'saved' && (
          <form method="post" action="/settings/sophtron/remove">
            <CsrfField token={csrf} />
            <button type="submit" class="secondary">
              Remove the saved credentials
            </button>{' '}
            <span class="muted">
              (then {config.sophtronUserId ? 'the environment’s credentials' : 'the built-in sandbox'} apply)
            </span>
          </form>
        )}
      </section>

      <section class="card" aria-labelledby="firefly-h">
        <h2 id="firefly-h">Firefly III</h2>
        {firefly ? (
          <dl>
            <dt>Address</dt>
            <dd id="firefly-url">{firefly.url}</dd>
            <dt>Personal access token</dt>
            <dd>{firefly.tokenSet ? 'set' : 'not set'}</dd>
          </dl>
        ) : (
          <p>Not connected yet.</p>
        )}
        {firefly && !readOnly && (
          <TestButton
            action="/settings/firefly/test"
            resultId="firefly-test"
            csrf={csrf}
            label="Test the connection"
          />
        )}
        {!readOnly && (
          <form method="post" action="/settings/firefly">
            <CsrfField token={csrf} />
            <label>
              Firefly III address{' '}
              <input
                name="url"
                type="url"
                required
                value={typed.fireflyUrl ?? firefly?.url ?? ''}
                placeholder="http://firefly.local:8080"
              />
            </label>
            <label>
              Personal access token{firefly?.tokenSet ? ' (leave empty to keep the saved one)' : ''}
              <input name="token" type="password" autocomplete="off" />
            </label>
            <button type="submit">Save the Firefly III connection</button>
          </form>
        )}
        {!readOnly && firefly?.source === 'saved' && (
          <form method="post" action="/settings/firefly/remove">
            <CsrfField token={csrf} />
            <button type="submit" class="secondary">
              Remove the Firefly III connection
            </button>
          </form>
        )}
      </section>

      <section class="card" aria-labelledby="tz-h">
        <h2 id="tz-h">Time zone</h2>
        <p>Dates of transactions and syncs are shown in this zone.</p>
        <form method="post" action="/settings/time-zone">
          <CsrfField token={csrf} />
          <label>
            Time zone{' '}
            <input
              name="time_zone"
              required
              value={family?.time_zone ?? 'UTC'}
              disabled={readOnly}
              list={TIME_ZONE_LIST}
            />
          </label>
          <TimeZoneList />
          {!readOnly && <button type="submit">Save the time zone</button>}
        </form>
      </section>
    </>,
    { flash: opts.flash ?? flashFrom(c), ...(opts.status ? { status: opts.status } : {}) },
  );
}

export function registerSettingsPages(app: WebApp): void {
  app.get('/settings', (c) => settingsPage(c));

  app.post('/settings/sophtron', async (c) => {
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
  });

  app.post('/settings/sophtron/remove', async (c) => {
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
  });

  app.post('/settings/sophtron/test', async (c) => {
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
  });

  app.post('/settings/firefly', async (c) => {
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
  });

  app.post('/settings/firefly/remove', async (c) => {
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
  });

  app.post('/settings/firefly/test', async (c) => {
    const result = await c.var.deps.services.firefly.test(currentUser(c).familyId);
    if (c.req.header('hx-request')) return c.html(<FireflyResult result={result} />);
    return c.redirect(
      withFlash(
        '/settings',
        result.ok ? 'ok' : 'error',
        result.ok ? 'Firefly III connection works.' : `Firefly III test failed: ${result.message}`,
      ),
    );
  });

  app.post('/settings/time-zone', async (c) => {
    const user = currentUser(c);
    const parsed = parseForm(
      z.object({
        time_zone: z.string().trim().refine(isTimeZone, 'is not an IANA time zone such as America/New_York'),
      }),
      await formData(c),
      { time_zone: 'Time zone' },
    );
    if (!parsed.ok) return c.redirect(withFlash('/settings', 'error', parsed.error));
    await c.var.deps.store.updateFamily(user.familyId, { timeZone: parsed.data.time_zone });
    return c.redirect(withFlash('/settings', 'ok', 'Time zone saved.'));
  });
}

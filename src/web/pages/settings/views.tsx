/** The Settings page's view: the Sophtron credentials, the Firefly III connection, the time zone. */
import type { CredentialCheck } from '../../../sophtron/api.js';
import { TestButton } from '../../components/test-button.js';
import { TIME_ZONE_LIST, TimeZoneList } from '../../components/time-zones.js';
import { CsrfField } from '../../layout.js';
import type { FireflyTestResult } from '../../services.js';
import type { Typed } from './forms.js';
import type { SettingsData } from './loaders.js';

export interface SettingsPageProps extends SettingsData {
  typed: Typed;
  readOnly: boolean;
  csrf: string;
  /** SOPHTRON_* credentials are set: they apply when the saved ones are removed. */
  environmentSophtron: boolean;
}

export function SettingsPage(p: SettingsPageProps) {
  return (
    <>
      {p.readOnly && <p>Only an administrator of the family can change these settings.</p>}
      <SophtronCard {...p} />
      <FireflyCard {...p} />
      <TimeZoneCard timeZone={p.family?.time_zone ?? 'UTC'} readOnly={p.readOnly} csrf={p.csrf} />
    </>
  );
}

function SophtronCard({ sophtron, readOnly, csrf, typed, environmentSophtron }: SettingsPageProps) {
  return (
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
        <SophtronForm fromEnvironment={sophtron.source === 'environment'} typed={typed} csrf={csrf} />
      )}
      {!readOnly && sophtron.source === 'saved' && (
        <form method="post" action="/settings/sophtron/remove">
          <CsrfField token={csrf} />
          <button type="submit" class="secondary">
            Remove the saved credentials
          </button>{' '}
          <span class="muted">
            (then {environmentSophtron ? 'the environment’s credentials' : 'the built-in sandbox'} apply)
          </span>
        </form>
      )}
    </section>
  );
}

function SophtronForm({
  fromEnvironment,
  typed,
  csrf,
}: {
  fromEnvironment: boolean;
  typed: Typed;
  csrf: string;
}) {
  return (
    <form method="post" action="/settings/sophtron">
      <CsrfField token={csrf} />
      <p>
        From Sophtron's developer portal (Developer Profile → Direct Auth). The Access Key is encrypted and
        never shown again.
        {fromEnvironment && ' Saved credentials take the place of the environment’s for this family.'}
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
  );
}

function FireflyCard({ firefly, readOnly, csrf, typed }: SettingsPageProps) {
  return (
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
  );
}

function TimeZoneCard({ timeZone, readOnly, csrf }: { timeZone: string; readOnly: boolean; csrf: string }) {
  return (
    <section class="card" aria-labelledby="tz-h">
      <h2 id="tz-h">Time zone</h2>
      <p>Dates of transactions and syncs are shown in this zone.</p>
      <form method="post" action="/settings/time-zone">
        <CsrfField token={csrf} />
        <label>
          Time zone{' '}
          <input name="time_zone" required value={timeZone} disabled={readOnly} list={TIME_ZONE_LIST} />
        </label>
        <TimeZoneList />
        {!readOnly && <button type="submit">Save the time zone</button>}
      </form>
    </section>
  );
}

/** The answer of "Test the current credentials", in place (htmx). */
export function CheckResult({ check }: { check: CredentialCheck }) {
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

/** The answer of "Test the connection" (Firefly III), in place (htmx). */
export function FireflyResult({ result }: { result: FireflyTestResult }) {
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

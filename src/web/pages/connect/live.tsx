/** The live part of the connect page (`#connect-live`); htmx reloads it while Sophtron works. */
import { ChallengeForm } from '../../components/challenge.js';
import { LinkForm } from '../../components/link-form.js';
import { CHALLENGE_HINTS } from '../../../sandbox/guide.js';
import type { ConnectSession } from '../../connect/sessions.js';
import { CsrfField } from '../../layout.js';
import type { LiveData } from './loaders.js';

export interface LiveProps extends LiveData {
  s: ConnectSession;
  csrf: string;
  sandboxMode: boolean;
}

/** The heading once the outcome is known (failed, or connected); null while it is not. */
export function sessionHeading(s: ConnectSession): string | null {
  if (s.phase === 'failed') return `Could not connect ${s.institution.name}`;
  if (s.phase === 'accounts') return `Connected to ${s.institution.name}`;
  return null;
}

function Elapsed({ since }: { since: number }) {
  const s = Math.floor((Date.now() - since) / 1000);
  return (
    <span data-elapsed-since={String(since)}>
      {Math.floor(s / 60)} min {s % 60} s
    </span>
  );
}

function Working({ s, csrf }: LiveProps) {
  return (
    <div
      id="connect-live"
      hx-get={`/connect/session/${s.id}/state`}
      hx-trigger="load delay:1s"
      hx-swap="outerHTML"
      aria-live="polite"
    >
      <div class="card" role="status">
        <p>
          <strong>{s.institution.name}</strong>: {s.step ?? 'Sophtron is working'}
          {s.status ? ` (${s.status})` : ''}
        </p>
        <progress aria-label="Connecting"></progress>
        <p class="muted">
          Elapsed: <Elapsed since={s.startedAt} /> · {s.polls} checks with Sophtron. Banks often take a few
          minutes; keep this page open. <a href={`/connect/session/${s.id}`}>Refresh</a>
        </p>
        <form method="post" action={`/connect/session/${s.id}/cancel`}>
          <CsrfField token={csrf} />
          <button type="submit" class="secondary">
            Cancel
          </button>
        </form>
      </div>
    </div>
  );
}

function Challenge({
  s,
  csrf,
  sandboxMode,
  challenge,
}: LiveProps & { challenge: NonNullable<ConnectSession['challenge']> }) {
  return (
    <div id="connect-live">
      <ChallengeForm
        sessionId={s.id}
        seq={s.challengeSeq}
        challenge={challenge}
        csrf={csrf}
        bank={s.institution.name}
        sandboxHint={sandboxMode ? CHALLENGE_HINTS[challenge.kind] : null}
      />
      <p class="muted">
        Elapsed: <Elapsed since={s.startedAt} />
      </p>
    </div>
  );
}

function Accounts({
  s,
  csrf,
  providerAccounts,
  existing,
  connectionId,
}: LiveProps & { connectionId: string }) {
  return (
    <div id="connect-live">
      <p class="flash ok" role="status">
        Connected to {s.institution.name}.
      </p>
      <LinkForm
        existing={existing}
        connectionId={connectionId}
        providerAccounts={providerAccounts ?? []}
        countryCode={s.institution.countryCode}
        csrf={csrf}
      />
    </div>
  );
}

function Failed({ s }: LiveProps) {
  return (
    <div id="connect-live">
      <p class="flash error" role="alert">
        {s.institution.name}: {s.message ?? 'the connection failed'}
      </p>
      <p>
        <a href={`/connect/bank/${encodeURIComponent(s.institution.id)}`}>Try again</a> or{' '}
        <a href="/connect">choose another bank</a>.
      </p>
    </div>
  );
}

export function Live(props: LiveProps) {
  const { s } = props;
  if (s.phase === 'working') return <Working {...props} />;
  if (s.phase === 'challenge' && s.challenge) return <Challenge {...props} challenge={s.challenge} />;
  if (s.phase === 'accounts' && s.connectionId) return <Accounts {...props} connectionId={s.connectionId} />;
  return <Failed {...props} />;
}

/** The Schedule page's notifications card: open incidents, the channels, "send test", and adding one. */
import type { ChannelResult } from '../../../scheduler/notifications/notifier.js';
import { TestButton } from '../../components/test-button.js';
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import type { ScheduleData } from './loaders.js';

interface Props {
  channels: ScheduleData['channels'];
  incidents: ScheduleData['incidents'];
  timeZone: string;
  admin: boolean;
  csrf: string;
}

export function NotificationsCard({ channels, incidents, timeZone, admin, csrf }: Props) {
  return (
    <section class="card" aria-labelledby="notify-h">
      <h2 id="notify-h">Notifications</h2>
      <p>One message when something fails or needs you, one when it works again; never one per retry.</p>
      {incidents.length > 0 && (
        <ul id="incidents">
          {incidents.map((i) => (
            <li>
              {i.kind === 'needs_attention' ? 'Needs attention' : 'Failing'} since{' '}
              {formatTimestamp(i.opened_at, timeZone)}: {i.message}
            </li>
          ))}
        </ul>
      )}
      {channels.length === 0 ? <p>No channels yet.</p> : <ChannelTable {...{ channels, admin, csrf }} />}
      {admin && channels.length > 0 && (
        <TestButton
          action="/schedule/notify/test"
          resultId="notify-test"
          csrf={csrf}
          label="Send a test message"
        />
      )}
      {admin && <AddChannelForm csrf={csrf} />}
    </section>
  );
}

function ChannelTable({ channels, admin, csrf }: Pick<Props, 'channels' | 'admin' | 'csrf'>) {
  return (
    <table>
      <caption>Channels</caption>
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th>Target</th>
          <th>On success</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {channels.map((ch) => (
          <tr>
            <td>{ch.name}</td>
            <td>{ch.kind}</td>
            <td>{ch.target}</td>
            <td>{ch.onSuccess ? 'yes' : 'no'}</td>
            <td>
              {admin && (
                <form method="post" action={`/schedule/notify/${ch.id}/remove`}>
                  <CsrfField token={csrf} />
                  <button type="submit">Remove</button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddChannelForm({ csrf }: { csrf: string }) {
  return (
    <form method="post" action="/schedule/notify">
      <CsrfField token={csrf} />
      <h3>Add a channel</h3>
      <label>
        Kind{' '}
        <select name="kind" data-shows-kind="">
          <option value="ntfy">ntfy (topic URL)</option>
          <option value="webhook">Webhook (JSON POST)</option>
          <option value="email">E-mail (SMTP)</option>
        </select>
      </label>
      <label>
        Name <input name="name" required />
      </label>
      {/* Each group names its kind; with JavaScript only the chosen kind's groups show. */}
      <fieldset data-kind="ntfy webhook">
        <legend>ntfy or webhook</legend>
        <label>
          URL (the ntfy topic or the webhook) <input name="url" type="url" autocomplete="off" />
        </label>
      </fieldset>
      <fieldset data-kind="ntfy">
        <legend>ntfy</legend>
        <label>
          Access token (optional) <input name="token" type="password" autocomplete="off" />
        </label>
      </fieldset>
      <fieldset data-kind="webhook">
        <legend>Webhook</legend>
        <label>
          Header (optional, e.g. <code>Authorization: Bearer …</code>){' '}
          <input name="header" autocomplete="off" />
        </label>
      </fieldset>
      <EmailFields />
      <label class="check">
        <input type="checkbox" name="on_success" /> Also after every successful sync
      </label>
      <p class="hint">URLs, headers, tokens and passwords are encrypted and never shown again.</p>
      <button type="submit">Add the channel</button>
    </form>
  );
}

function EmailFields() {
  return (
    <fieldset data-kind="email">
      <legend>E-mail</legend>
      <label>
        SMTP server <input name="host" />
      </label>
      <label>
        Port <input name="port" inputmode="numeric" placeholder="587" />
      </label>
      <label>
        Security{' '}
        <select name="security">
          <option value="starttls">STARTTLS</option>
          <option value="tls">TLS</option>
          <option value="none">none</option>
        </select>
      </label>
      <label>
        User <input name="user" autocomplete="off" />
      </label>
      <label>
        Password <input name="password" type="password" autocomplete="off" />
      </label>
      <label>
        From <input name="from" type="email" />
      </label>
      <label>
        To (comma-separated) <input name="to" />
      </label>
    </fieldset>
  );
}

/** The answer of "Send a test message", in place of the button's result (htmx). */
export function TestResults({ results }: { results: ChannelResult[] }) {
  if (results.length === 0) return <p class="flash error">No channel to test.</p>;
  return (
    <ul class="test-results">
      {results.map((r) => (
        <li class={r.ok ? 'ok' : 'error'}>
          {r.name}: {r.ok ? 'sent' : `failed — ${r.error}`}
        </li>
      ))}
    </ul>
  );
}

/** The API tokens page's view: a token just created (shown once), the person's tokens, a new one's form. */
import { HeadWithActions } from '../../components/table.js';
import { CsrfField } from '../../layout.js';
import { formatTimestamp } from '../../time.js';
import type { TokensData } from './loaders.js';

export function TokensPage({
  tokens,
  timeZone,
  created,
  csrf,
}: TokensData & { created?: string; csrf: string }) {
  return (
    <>
      <p>
        Scripts use the JSON API with <code>Authorization: Bearer &lt;token&gt;</code>; see{' '}
        <a href="/api/docs">the API documentation</a>. A token acts as you, in your family. Changing your
        password revokes all your tokens.
      </p>
      {created && (
        <div class="card" role="status">
          <p>Copy the new token now; it is not shown again:</p>
          <p>
            <code class="secret" id="new-token">
              {created}
            </code>
          </p>
        </div>
      )}
      <table>
        <caption>Your tokens</caption>
        <HeadWithActions>
          <th scope="col">Name</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
        </HeadWithActions>
        <tbody>
          {tokens.map((t) => (
            <tr>
              <td>{t.name}</td>
              <td>{formatTimestamp(t.created_at, timeZone)}</td>
              <td>{formatTimestamp(t.last_used_at, timeZone)}</td>
              <td>
                <form
                  method="post"
                  action={`/tokens/${t.id}/delete`}
                  class="inline"
                  data-confirm={`Delete the token “${t.name}”? Scripts using it stop working.`}
                >
                  <CsrfField token={csrf} />
                  <button type="submit" class="danger" aria-label={`Delete the token ${t.name}`}>
                    Delete
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/tokens" class="card narrow">
        <CsrfField token={csrf} />
        <label>
          Name of the new token <input name="name" required placeholder="nightly cron" />
        </label>
        <button type="submit">Create a token</button>
      </form>
    </>
  );
}

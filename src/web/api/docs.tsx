/** The API documentation page (/api/docs); docs/api.md says the same with examples. */
import type { WebApp } from '../context.js';
import { page } from '../render.js';

export const API_ENDPOINTS: { method: string; path: string; what: string }[] = [
  { method: 'GET', path: '/api/accounts', what: 'Accounts with their latest balance and last sync.' },
  { method: 'GET', path: '/api/accounts/{id}', what: 'One account.' },
  {
    method: 'PATCH',
    path: '/api/accounts/{id}',
    what: "Change name, kind, currency, balanceRule or startDate (JSON body); a startDate before the bank's history limit is saved as the limit (see note).",
  },
  {
    method: 'GET',
    path: '/api/accounts/{id}/transactions',
    what: 'Transactions; query q, status (pending|posted|vanished), from, to, limit (≤1000), offset.',
  },
  {
    method: 'DELETE',
    path: '/api/transactions/{id}',
    what: 'Delete a transaction (a tombstone keeps syncs from bringing it back).',
  },
  { method: 'GET', path: '/api/connections', what: 'Bank logins with their status and Sophtron’s reason.' },
  {
    method: 'POST',
    path: '/api/connections/{id}/refresh',
    what: 'Refresh a bank login now; MFA makes it needs_attention (answer it in the web page).',
  },
  { method: 'GET', path: '/api/institutions?q=', what: 'Search institutions by name.' },
  {
    method: 'POST',
    path: '/api/sync',
    what: 'Sync now; JSON body {"accountIds": [...], "overBudget": true} optional. Answers when the run ends; 409 with the figures when it would spend more than the month\'s Sophtron budget has left.',
  },
  { method: 'GET', path: '/api/sync/runs', what: 'Sync runs, newest first.' },
  { method: 'GET', path: '/api/sync/runs/{id}', what: 'One run with per-account outcomes and counts.' },
  {
    method: 'POST',
    path: '/api/import',
    what: "Run an import configuration (the JSON file as body) into Firefly III; ?sync=false skips the sync; ?overBudget=true goes on over the month's Sophtron budget.",
  },
  {
    method: 'POST',
    path: '/autoimport',
    what: 'Like the data importer: the configuration as body, secret in ?secret= or X-Auto-Import-Secret (AUTO_IMPORT_SECRET).',
  },
];

export function registerApiDocs(app: WebApp): void {
  app.get('/api/docs', (c) =>
    page(
      c,
      'JSON API',
      <>
        <p>
          Send <code>Authorization: Bearer &lt;token&gt;</code> with a token from the{' '}
          <a href="/tokens">API tokens</a> page. Answers are JSON; money is integer minor units with an ISO
          currency; errors are <code>{'{"error": "..."}'}</code> naming the field. Another family's ids answer
          404.
        </p>
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Method</th>
              <th scope="col">Path</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {API_ENDPOINTS.map((e) => (
              <tr>
                <td>
                  <code>{e.method}</code>
                </td>
                <td>
                  <code>{e.path}</code>
                </td>
                <td>{e.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <pre>{`curl -H "Authorization: Bearer $TOKEN" ${'{PUBLIC_URL}'}/api/accounts
curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
     -d '{}' ${'{PUBLIC_URL}'}/api/sync
curl -X POST -H "X-Auto-Import-Secret: $AUTO_IMPORT_SECRET" \\
     --data-binary @import_config.json ${'{PUBLIC_URL}'}/autoimport`}</pre>
      </>,
    ),
  );
}

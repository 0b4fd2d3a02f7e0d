/** The Family pages' views: the family's people with the password and "add a person" forms, and families. */
import { TIME_ZONE_LIST, TimeZoneList } from '../../components/time-zones.js';
import { CsrfField } from '../../layout.js';
import { NewPasswordField, PasswordRule } from '../auth/views.js';
import type { FamilyData } from './loaders.js';

interface Viewer {
  username: string;
  role: string;
  instanceAdmin: boolean;
}

export function FamilyPage({ users, tokens, user, csrf }: FamilyData & { user: Viewer; csrf: string }) {
  return (
    <>
      {user.instanceAdmin && (
        <p>
          You also manage this instance: <a href="/admin/families">other families</a> (each sees only its own
          data).
        </p>
      )}
      <table>
        <caption>People who can log in to this family</caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr>
              <td>{u.username}</td>
              <td>{u.role}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <PasswordForm username={user.username} tokens={tokens} csrf={csrf} />
      {user.role === 'admin' && <AddPersonForm csrf={csrf} />}
    </>
  );
}

function PasswordForm({ username, tokens, csrf }: { username: string; tokens: number; csrf: string }) {
  return (
    <form method="post" action="/family/password" class="card narrow">
      <h2>Change your password</h2>
      <CsrfField token={csrf} />
      <p>
        Your other sessions are logged out
        {tokens > 0 &&
          ` and the change also revokes your ${tokens} API ${tokens === 1 ? 'token' : 'tokens'} (scripts need a new one)`}
        .
      </p>
      {/* Tells a password manager whose password changes; not read by the server. */}
      <input type="text" hidden autocomplete="username" value={username} readonly />
      <label>
        Current password <input name="current" type="password" required autocomplete="current-password" />
      </label>
      <NewPasswordField label="New password" />
      <label>
        Repeat the new password{' '}
        <input name="password2" type="password" required autocomplete="new-password" />
      </label>
      <button type="submit">Change the password</button>
    </form>
  );
}

function AddPersonForm({ csrf }: { csrf: string }) {
  return (
    <form method="post" action="/family/users" class="card narrow">
      <h2>Add a person</h2>
      <CsrfField token={csrf} />
      <UserFields />
      <label>
        Role
        <select name="role">
          <option value="member">member (sees and syncs)</option>
          <option value="admin">admin (also manages settings and people)</option>
        </select>
      </label>
      <button type="submit">Add</button>
    </form>
  );
}

function UserFields() {
  return (
    <>
      <label>
        Username <input name="username" required autocomplete="off" />
      </label>
      <NewPasswordField label="Password" />
      <PasswordRule />
    </>
  );
}

/** The instance administrator's list of families, and the form for a new one. */
export function FamiliesPage(p: { families: { name: string }[]; timeZone: string; csrf: string }) {
  return (
    <>
      <p>
        Each family has its own Sophtron credentials, banks, accounts and people; none sees another's data.
      </p>
      <ul>
        {p.families.map((f) => (
          <li>{f.name}</li>
        ))}
      </ul>
      <form method="post" action="/admin/families" class="card narrow">
        <h2>New family with its first administrator</h2>
        <CsrfField token={p.csrf} />
        <label>
          Family name <input name="family" required />
        </label>
        <label>
          Time zone <input name="time_zone" required value={p.timeZone} list={TIME_ZONE_LIST} />
        </label>
        <TimeZoneList />
        <UserFields />
        <button type="submit">Create the family</button>
      </form>
    </>
  );
}

/** The family's users (admins add them) and, for the instance administrator, other families. */
import { startDefaultSchedule } from '../../scheduler/schedules.js';
import { schedulerSettings } from '../../scheduler/settings.js';
import { z } from 'zod';
import type { WebApp } from '../context.js';
import { currentUser } from '../context.js';
import { formData, parseForm, text } from '../forms.js';
import { TIME_ZONE_LIST, TimeZoneList } from '../components/time-zones.js';
import { CsrfField } from '../layout.js';
import { flashFrom, page, withFlash } from '../render.js';
import { isTimeZone } from '../../dates.js';
import { createUser } from '../users.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { NewPasswordField, PasswordRule, passwordSchema, usernameSchema } from './auth.js';

const newUserSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(['admin', 'member']),
});
const newFamilySchema = z.object({
  family: text(100),
  time_zone: z.string().trim().refine(isTimeZone, 'is not an IANA time zone such as America/New_York'),
  username: usernameSchema,
  password: passwordSchema,
});
const LABELS = {
  username: 'Username',
  password: 'Password',
  role: 'Role',
  family: 'Family name',
  time_zone: 'Time zone',
};

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

export function registerFamilyPages(app: WebApp): void {
  app.get('/family', async (c) => {
    const user = currentUser(c);
    const users = await c.var.deps.store.listFamilyUsers(user.familyId);
    const tokens = (await c.var.deps.store.listApiTokens(user.id)).length;
    return page(
      c,
      'Family',
      <>
        {user.instanceAdmin && (
          <p>
            You also manage this instance: <a href="/admin/families">other families</a> (each sees only its
            own data).
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
        <form method="post" action="/family/password" class="card narrow">
          <h2>Change your password</h2>
          <CsrfField token={c.var.csrf} />
          <p>
            Your other sessions are logged out
            {tokens > 0 &&
              ` and the change also revokes your ${tokens} API ${tokens === 1 ? 'token' : 'tokens'} (scripts need a new one)`}
            .
          </p>
          {/* Tells a password manager whose password changes; not read by the server. */}
          <input type="text" hidden autocomplete="username" value={user.username} readonly />
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
        {user.role === 'admin' && (
          <form method="post" action="/family/users" class="card narrow">
            <h2>Add a person</h2>
            <CsrfField token={c.var.csrf} />
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
        )}
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.post('/family/users', async (c) => {
    const user = currentUser(c);
    const parsed = parseForm(newUserSchema, await formData(c), LABELS);
    if (!parsed.ok) return c.redirect(withFlash('/family', 'error', parsed.error));
    if (await c.var.deps.store.findUserByName(parsed.data.username))
      return c.redirect(withFlash('/family', 'error', 'Username: already taken'));
    await createUser(c.var.deps.store, { familyId: user.familyId, ...parsed.data });
    return c.redirect(withFlash('/family', 'ok', `${parsed.data.username} can now log in.`));
  });

  app.post('/family/password', async (c) => {
    const user = currentUser(c);
    const { store } = c.var.deps;
    const parsed = parseForm(
      z
        .object({ current: z.string(), password: passwordSchema, password2: z.string() })
        .refine((v) => v.password === v.password2, {
          path: ['password2'],
          message: 'does not match the new password',
        }),
      await formData(c),
      { current: 'Current password', password: 'New password', password2: 'Repeat the new password' },
    );
    if (!parsed.ok) return c.redirect(withFlash('/family', 'error', parsed.error));
    const passwordHash = await store.userPasswordHash(user.familyId, user.id);
    if (passwordHash === undefined) throw new Error('the logged-in user is not in the database');
    if (!(await verifyPassword(parsed.data.current, passwordHash)))
      return c.redirect(withFlash('/family', 'error', 'Current password: wrong'));
    await store.setUserPasswordHash(user.familyId, user.id, await hashPassword(parsed.data.password));
    // Other sessions (a lost phone, a shared computer) end with the old password.
    await store.deleteOtherSessions(user.id, c.var.session?.idHash ?? '');
    // So are API tokens: a token made by whoever knew the old password must not outlive it.
    const revoked = await store.revokeAllApiTokens(user.id);
    const tokensText = revoked === 1 ? '1 API token was revoked' : `${revoked} API tokens were revoked`;
    return c.redirect(
      withFlash(
        '/family',
        'ok',
        `Password changed; your other sessions were logged out${revoked ? ` and ${tokensText} (make new ones on the API tokens page)` : ''}.`,
      ),
    );
  });

  app.get('/admin/families', async (c) => {
    const families = await c.var.deps.store.listFamilies();
    return page(
      c,
      'Families',
      <>
        <p>
          Each family has its own Sophtron credentials, banks, accounts and people; none sees another's data.
        </p>
        <ul>
          {families.map((f) => (
            <li>{f.name}</li>
          ))}
        </ul>
        <form method="post" action="/admin/families" class="card narrow">
          <h2>New family with its first administrator</h2>
          <CsrfField token={c.var.csrf} />
          <label>
            Family name <input name="family" required />
          </label>
          <label>
            Time zone{' '}
            <input name="time_zone" required value={c.var.deps.config.timeZone} list={TIME_ZONE_LIST} />
          </label>
          <TimeZoneList />
          <UserFields />
          <button type="submit">Create the family</button>
        </form>
      </>,
      { flash: flashFrom(c) },
    );
  });

  app.post('/admin/families', async (c) => {
    const parsed = parseForm(newFamilySchema, await formData(c), LABELS);
    if (!parsed.ok) return c.redirect(withFlash('/admin/families', 'error', parsed.error));
    const { store } = c.var.deps;
    if (await store.findUserByName(parsed.data.username))
      return c.redirect(withFlash('/admin/families', 'error', 'Username: already taken'));
    const { id: familyId } = await store.createFamily({
      name: parsed.data.family,
      timeZone: parsed.data.time_zone,
    });
    await startDefaultSchedule(store, familyId, schedulerSettings(c.var.deps.config));
    await createUser(store, {
      familyId,
      username: parsed.data.username,
      password: parsed.data.password,
      role: 'admin',
    });
    return c.redirect(withFlash('/admin/families', 'ok', `Family ${parsed.data.family} created.`));
  });
}

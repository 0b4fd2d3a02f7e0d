/**
 * The family's users (admins add them) and, for the instance administrator, other families.
 * The pages are shown by family/views.tsx; the routes here parse, check, save, and redirect.
 */
import { startDefaultSchedule } from '../../../scheduler/schedules.js';
import { schedulerSettings } from '../../../scheduler/settings.js';
import type { Ctx, WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { formData, parseForm } from '../../forms.js';
import { flashFrom, page, withFlash } from '../../render.js';
import { createUser } from '../../users.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { LABELS, NEW_PASSWORD_LABELS, newFamilySchema, newPasswordSchema, newUserSchema } from './forms.js';
import { loadFamily } from './loaders.js';
import { FamiliesPage, FamilyPage } from './views.js';

export function registerFamilyPages(app: WebApp): void {
  app.get('/family', async (c) => {
    const user = currentUser(c);
    const data = await loadFamily(c.var.deps, user);
    return page(c, 'Family', <FamilyPage {...data} user={user} csrf={c.var.csrf} />, { flash: flashFrom(c) });
  });
  app.post('/family/users', addPerson);
  app.post('/family/password', changePassword);
  app.get('/admin/families', async (c) => {
    const families = await c.var.deps.store.listFamilies();
    const view = <FamiliesPage families={families} timeZone={c.var.deps.config.timeZone} csrf={c.var.csrf} />;
    return page(c, 'Families', view, { flash: flashFrom(c) });
  });
  app.post('/admin/families', addFamily);
}

async function addPerson(c: Ctx) {
  const user = currentUser(c);
  const parsed = parseForm(newUserSchema, await formData(c), LABELS);
  if (!parsed.ok) return c.redirect(withFlash('/family', 'error', parsed.error));
  if (await c.var.deps.store.findUserByName(parsed.data.username))
    return c.redirect(withFlash('/family', 'error', 'Username: already taken'));
  await createUser(c.var.deps.store, { familyId: user.familyId, ...parsed.data });
  return c.redirect(withFlash('/family', 'ok', `${parsed.data.username} can now log in.`));
}

async function changePassword(c: Ctx) {
  const user = currentUser(c);
  const { store } = c.var.deps;
  const parsed = parseForm(newPasswordSchema, await formData(c), NEW_PASSWORD_LABELS);
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
}

async function addFamily(c: Ctx) {
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
}

/**
 * Who may use each route: one table for the whole application, enforced by one middleware
 * (server.ts), so no route decides for itself and none is forgotten: a route missing here fails
 * its request loudly, and test/web/access.test.ts fails for any route of the app not listed.
 *
 * - public: anyone (login, first-run setup, assets, health check);
 * - own-secret: authenticates itself with its own shared secret (POST /autoimport; SimpleFIN's
 *   claim code and Access URL under /simplefin);
 * - member: any logged-in person of the family (or an API token): sees, syncs, connects banks;
 * - admin: an administrator of the family: settings, schedule, people, and the tests of the
 *   Sophtron, Firefly III and notification connections (they spend quota or send messages);
 * - instance-admin: the first user, who manages families (others get 404: the page is not there).
 */
export type Access = 'public' | 'own-secret' | 'member' | 'admin' | 'instance-admin';

export const routeKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

const table = {
  public: ['GET /healthz', 'GET /assets/:name', 'GET /setup', 'POST /setup', 'GET /login', 'POST /login'],
  'own-secret': [
    'POST /autoimport',
    // SimpleFIN (src/simplefin): a one-time claim code, then HTTP Basic from the Access URL.
    'GET /simplefin/info',
    'GET /simplefin/info/',
    'GET /simplefin/create',
    'POST /simplefin/claim/:code',
    'POST /simplefin/claim/:code/',
    'GET /simplefin/accounts',
    'GET /simplefin/accounts/',
  ],
  member: [
    'POST /logout',
    'GET /',
    'GET /api/docs',
    'GET /api/accounts',
    'GET /api/accounts/:id',
    'PATCH /api/accounts/:id',
    'GET /api/accounts/:id/transactions',
    'DELETE /api/transactions/:id',
    'GET /api/connections',
    'POST /api/connections/:id/refresh',
    'GET /api/institutions',
    'POST /api/sync',
    'GET /api/sync/runs',
    'GET /api/sync/runs/:id',
    'POST /api/import',
    'GET /settings',
    'GET /connect',
    'GET /connect/institutions',
    'GET /connect/bank/:institutionId',
    'POST /connect/bank/:institutionId',
    'GET /connect/reconnect/:connectionId',
    'POST /connect/reconnect/:connectionId',
    'POST /connect/reconnect/:connectionId/login',
    'GET /connect/session/:id',
    'GET /connect/session/:id/state',
    'GET /connect/session/:id/captcha.png',
    'POST /connect/session/:id/answer',
    'POST /connect/session/:id/cancel',
    'GET /connections/:id/link',
    'POST /connections/:id/remove',
    'POST /connections/:id/link',
    'GET /tasks/:id/events',
    'POST /sync',
    'GET /sync/live/:id',
    'GET /sync/over-budget',
    'GET /sync/history',
    'GET /sync/history/:id',
    'GET /accounts/:id',
    'POST /accounts/:id/settings',
    'POST /accounts/:id/unlink',
    'POST /accounts/:id/transactions/:tid/delete',
    'GET /import',
    'POST /import/start',
    'GET /import/:id/accounts',
    'POST /import/:id/accounts',
    'GET /import/:id/dates',
    'POST /import/:id/dates',
    'GET /import/:id/options',
    'POST /import/:id/options',
    'GET /import/:id/sync',
    'POST /import/:id/sync',
    'GET /import/:id/map',
    'POST /import/:id/map',
    'GET /import/:id/deliver',
    'POST /import/:id/deliver',
    'GET /import/:id/result',
    'GET /import/:id/config.json',
    'GET /family',
    'POST /family/password',
    'GET /tokens',
    'POST /tokens',
    'POST /tokens/:id/delete',
    'GET /schedule',
    'GET /exports/download',
  ],
  admin: [
    'POST /settings/sophtron',
    'POST /settings/sophtron/test',
    'POST /settings/firefly',
    'POST /settings/firefly/test',
    'POST /settings/sophtron/remove',
    'POST /settings/firefly/remove',
    'POST /settings/time-zone',
    'POST /family/users',
    'POST /schedule',
    'POST /schedule/destinations',
    'POST /schedule/notify',
    'POST /schedule/notify/test',
    'POST /schedule/notify/:id/remove',
    'GET /simplefin-tokens',
    'POST /simplefin-tokens',
    'POST /simplefin-tokens/:id/revoke',
  ],
  'instance-admin': ['GET /admin/families', 'POST /admin/families'],
} satisfies Record<Access, string[]>;

export const ROUTE_ACCESS: Readonly<Record<string, Access>> = Object.fromEntries(
  (Object.entries(table) as [Access, string[]][]).flatMap(([access, keys]) => keys.map((k) => [k, access])),
);

/** The declared access of a registered route; throws for a route nobody declared (fail closed). */
export function accessOf(method: string, path: string): Access {
  const access = ROUTE_ACCESS[routeKey(method, path)];
  if (!access)
    throw new Error(`no access declared for ${routeKey(method, path)}: add it to src/web/auth/access.ts`);
  return access;
}

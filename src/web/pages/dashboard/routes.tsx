/**
 * The dashboard: accounts by kind with balances, net worth per currency, connections needing
 * attention. Read by dashboard/loaders.ts, shown by dashboard/views.tsx.
 */
import type { WebApp } from '../../context.js';
import { currentUser } from '../../context.js';
import { flashFrom, page } from '../../render.js';
import { loadDashboard } from './loaders.js';
import { DashboardPage } from './views.js';

export function registerDashboard(app: WebApp): void {
  app.get('/', async (c) => {
    const data = await loadDashboard(c.var.deps, currentUser(c).familyId);
    return page(c, 'Dashboard', <DashboardPage {...data} csrf={c.var.csrf} />, { flash: flashFrom(c) });
  });
}

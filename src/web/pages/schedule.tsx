/**
 * Automatic syncs and deliveries. Placeholder owned by the web module until the scheduler's page
 * replaces this file's body (keep the export name: server.ts registers it).
 */
import type { WebApp } from '../context.js';
import { page } from '../render.js';

export function registerSchedulePages(app: WebApp): void {
  app.get('/schedule', (c) =>
    page(
      c,
      'Schedule',
      <p>
        Automatic syncs are not set up from this page yet. Use <a href="/">Sync now</a> on the dashboard, or
        <code> sophtron-sync</code> from cron.
      </p>,
    ),
  );
}

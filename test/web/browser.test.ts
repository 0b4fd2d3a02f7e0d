/**
 * The whole product in a real browser (Debian's chromium through playwright-core): first-run
 * setup with the console code, Sophtron credentials (the sandbox's), connecting Sophtron Bank
 * through captcha, security question, token method and token, linking accounts, an import into the
 * Firefly III fake with live progress and its result, and a second family that sees none of it.
 * Screenshots of each step go to test-output/screenshots/: the screen as the phone shows it;
 * `FULL_PAGE_SCREENSHOTS=1` takes whole pages instead (about 20 s more CPU for the run: chromium
 * lays out and paints every page again at its full height).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { ConnectSessions } from '../../src/web/connect/sessions.js';
import { createWebApp, startWebServer, type RunningWebServer } from '../../src/web/server.js';
import { createWebServices } from '../../src/web/wiring.js';
import { createLogger } from '../../src/log.js';
import { startFakeFirefly, type FakeFirefly } from '../fakes/firefly.js';
import { createHarness, PASSWORD, SETUP_CODE, type Harness } from './harness.js';
import { startSandboxFor } from '../../src/web/start.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI)
  throw new Error(`${CHROMIUM} is missing on CI: install the chromium package`);
if (!available)
  console.warn(`SKIPPED browser tests: ${CHROMIUM} is not installed (apt-get install chromium).`);

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const FULL_PAGE = process.env.FULL_PAGE_SCREENSHOTS === '1';

let h: Harness;
let sandbox: RunningSandbox;
let firefly: FakeFirefly;
let server: RunningWebServer;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startSandbox({ port: 0, pollsPerStep: 1, seed: 11 });
  firefly = await startFakeFirefly({ token: 'ff-token-for-tests' });
  h = await createHarness();
  const app = createWebApp({
    store: h.store,
    config: h.config,
    logger: createLogger('silent'),
    setupCode: SETUP_CODE,
    // No environment credentials: families without their own use the built-in sandbox.
    services: createWebServices(
      h.store,
      h.config,
      { baseUrl: sandbox.baseUrl, userId: sandbox.users[0]!.userId, accessKey: sandbox.users[0]!.accessKey },
      undefined,
      { syncJobOptions: { pollIntervalMs: 20, maxPollIntervalMs: 50 } },
    ),
    connects: new ConnectSessions(h.store, {
      jobTimeoutMs: 60_000,
      pollIntervalMs: 20,
      maxPollIntervalMs: 50,
    }),
  });
  server = await startWebServer(app, { port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await firefly?.stop();
  await sandbox?.close();
  await h?.close();
});

/** Keeps a screenshot, and checks the page fits a phone's width (no sideways scrolling). */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: FULL_PAGE });
  // A string: the test project has no DOM types.
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  expect(overflow, `${name}: the page is wider than the screen`).toBeLessThanOrEqual(0);
}

/** A live progress page may finish and move on while it is photographed: then there is no shot. */
async function shotUnlessGone(page: Page, name: string): Promise<void> {
  try {
    await shot(page, name);
  } catch (err) {
    if (!/Execution context was destroyed|navigat/i.test(String(err))) throw err;
  }
}

// Each test is a whole walk through many pages; its waits have their own limits, and a machine busy
// with other work (another suite beside this one) once took the first past the default 60 s.
describe.skipIf(!available)('the web application in a browser', { timeout: 240_000 }, () => {
  it('sets up, connects Sophtron Bank through MFA, imports into Firefly III, and isolates families', async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } }); // a phone
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    const base = server.url;
    let streams = 0;
    page.on('request', (r) => {
      if (/\/tasks\/[^/]+\/events$/.test(r.url())) streams++;
    });

    // 1. First run: setup with the console code.
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toContain('/setup');
    await page.getByLabel('Setup code').fill(SETUP_CODE);
    await page.getByLabel('Family name').fill('The Smiths');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await shot(page, '01-setup');
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await page.waitForURL(/\/settings/);
    await expect.poll(() => page.locator('.banner.sandbox').count()).toBe(1);

    // 2. Sophtron credentials (the sandbox's) and a test; Firefly III connection and a test.
    const user = sandbox.users[0]!;
    await page.getByLabel('Sophtron User ID').fill(user.userId);
    await page.getByLabel('Sophtron Access Key').fill(user.accessKey);
    await page.getByLabel('Base URL (optional)').fill(sandbox.baseUrl);
    await page.getByRole('button', { name: 'Save the credentials' }).click();
    await page.getByText('Sophtron credentials saved and accepted by Sophtron.').waitFor();
    expect(await page.locator('.banner.sandbox').count()).toBe(0);
    expect(await page.content()).not.toContain(user.accessKey);
    await page.getByRole('button', { name: 'Test the current credentials' }).click();
    await page.getByText('Sophtron accepted the credentials.').waitFor();
    await page.getByLabel('Firefly III address').fill(firefly.url);
    await page.getByLabel(/Personal access token/).fill(firefly.token);
    await page.getByRole('button', { name: 'Save the Firefly III connection' }).click();
    await page.getByText(/Firefly III connection saved/).waitFor();
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await page.getByText(/Connected to Firefly III/).waitFor();
    expect(await page.content()).not.toContain(firefly.token);
    await shot(page, '02-settings');

    // 3. Connect Sophtron Bank: search as you type, the bank's own form, then every challenge.
    await page.goto(`${base}/connect`);
    await page.getByLabel("Your bank's name").pressSequentially('Sophtron Ba', { delay: 30 });
    await page.getByRole('link', { name: 'Sophtron Bank', exact: true }).click();
    await page.waitForURL(/\/connect\/bank\//);
    await shot(page, '03-bank-login');
    await page.locator('input[name="username"]').fill('asdfg12X');
    await page.locator('input[name="password"]').fill('asdfg12X');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL(/\/connect\/session\//);

    await page.getByAltText('Captcha image from the bank').waitFor({ timeout: 30_000 });
    await shot(page, '04-captcha');
    await page.getByLabel('Characters in the image').fill('XK7PQ');
    await page.getByRole('button', { name: 'Send to the bank' }).click();

    await page.getByLabel('What is your favorite color?').waitFor({ timeout: 30_000 });
    await shot(page, '05-security-question');
    await page.getByLabel('What is your favorite color?').fill('blue');
    await page.getByRole('button', { name: 'Send to the bank' }).click();

    await page.getByText('Where should Sophtron Bank send your one-time code?').waitFor({ timeout: 30_000 });
    await shot(page, '06-token-method');
    await page.locator('input[name="method"]').first().check();
    await page.getByRole('button', { name: 'Send to the bank' }).click();

    await page.locator('input[name="code"]').waitFor({ timeout: 30_000 });
    await shot(page, '07-token');
    await page.locator('input[name="code"]').fill('123456');
    await page.getByRole('button', { name: 'Send to the bank' }).click();

    // 4. Link the accounts.
    await page.locator('#link-form').waitFor({ timeout: 30_000 });
    await shot(page, '08-link-accounts');
    const linkCount = await page.locator('input[name="link"]').count();
    expect(linkCount).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Link the chosen accounts' }).click();
    await page.waitForURL(`${base}/?ok=*`);
    await page.getByText(`${linkCount} account`).first().waitFor();
    await shot(page, '09-dashboard');

    // 5. Import to Firefly III: fresh → accounts → dates → options → sync (live) → deliver (live) → result.
    await page.goto(`${base}/import`);
    await page.getByRole('button', { name: 'Start fresh' }).click();
    await page.waitForURL(/\/import\/.+\/accounts/);
    await shot(page, '10-import-accounts');
    await page.getByRole('button', { name: 'Next: dates' }).click();
    await page.getByLabel(/Everything since/).check();
    await page.getByRole('button', { name: 'Next: options' }).click();
    await page.getByRole('button', { name: 'Next: sync' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    // A fast sync may finish, and the page move on to delivery, before its progress bar is seen.
    await page.waitForFunction(
      "location.pathname.endsWith('/deliver') || document.querySelector('#live-progress progress') !== null",
    );
    await shotUnlessGone(page, '11-import-sync-progress');
    await page.waitForURL(/\/deliver$/, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Deliver now' }).click();
    await page.locator('#live-progress').waitFor();
    await shotUnlessGone(page, '12-import-deliver-progress');
    await page.waitForURL(/\/result$/, { timeout: 60_000 });
    const created = Number(await page.locator('#count-created').textContent());
    expect(created).toBeGreaterThan(0);
    expect(firefly.groups.size).toBe(created);
    await page.locator('#balance-check').waitFor();
    expect(streams).toBe(2); // one live stream per progress page (sync, delivery), never two

    await shot(page, '13-import-result');
    const download = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the configuration' }).click(),
    ]);
    expect(download[0].suggestedFilename()).toMatch(/^import_config_\d{4}-\d{2}-\d{2}\.json$/);

    // An account page with its transactions.
    await page.goto(`${base}/`);
    const firstAccount = page.locator('table.accounts a').first();
    const accountHref = (await firstAccount.getAttribute('href'))!;
    await firstAccount.click();
    await page.locator('#transactions').waitFor();
    await shot(page, '14-account');
    // Search as you type (htmx swaps the table), then delete a row in place.
    const before = await page.locator('#transactions tbody tr').count();
    expect(before).toBeGreaterThan(1);
    const firstText = (
      await page.locator('#transactions tbody tr td:nth-child(2)').first().innerText()
    ).split('\n')[0]!;
    await page.getByLabel('Search').fill(firstText.slice(0, 12));
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('q=');
    await expect.poll(() => page.locator('#transactions tbody tr').count()).toBeLessThanOrEqual(before);
    page.once('dialog', (d) => void d.accept());
    await page
      .locator('#transactions tbody tr')
      .first()
      .getByRole('button', { name: /^Delete/ })
      .click();
    await page
      .getByText(/syncs will not bring it back/)
      .first()
      .waitFor();
    await shot(page, '14b-account-search-delete');

    // 6. A second family (created by the instance admin) sees none of it.
    await page.goto(`${base}/admin/families`);
    await page.getByLabel('Family name').fill('The Joneses');
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create the family' }).click();
    await page.getByText('Family The Joneses created.').waitFor();

    const other = await browser.newContext();
    const bob = await other.newPage();
    await bob.goto(`${base}/login`);
    await bob.getByLabel('Username').fill('bob');
    await bob.getByLabel('Password').fill(PASSWORD);
    await bob.getByRole('button', { name: 'Log in' }).click();
    await bob.getByText('No accounts yet').waitFor();
    expect(await bob.locator('.banner.sandbox').count()).toBe(1);
    const resp = await bob.goto(`${base}${accountHref}`);
    expect(resp?.status()).toBe(404);
    await bob.goto(`${base}/sync/history`);
    await bob.getByText('No syncs yet.').waitFor();
    await shot(bob, '15-other-family');
    await other.close();

    expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  });

  it('walks the first hour on a 390 px phone: every stumble has a way on, a restart keeps the bank logins', async () => {
    const h2 = await createHarness({ env: { SANDBOX_POLLS_PER_STEP: '1', SYNC_START_DAYS: '120' } });
    const logger = createLogger('silent');
    // What `serve` starts: the built-in sandbox keeping its bank logins in the data folder.
    const serveOnce = async () => {
      const sb = await startSandboxFor(h2.config);
      const app = createWebApp({
        store: h2.store,
        config: h2.config,
        logger,
        setupCode: SETUP_CODE,
        sandboxRunning: true,
        services: createWebServices(h2.store, h2.config, sb.info, undefined, {
          syncJobOptions: { pollIntervalMs: 20, maxPollIntervalMs: 50 },
        }),
        connects: new ConnectSessions(h2.store, {
          jobTimeoutMs: 60_000,
          pollIntervalMs: 20,
          maxPollIntervalMs: 50,
        }),
      });
      const web = await startWebServer(app, { port: 0, host: '127.0.0.1' });
      return { sb, web };
    };
    let running = await serveOnce();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    let base = running.web.url;
    try {
      // Setup, with the password rule beside the field and a confirmation afterwards.
      await page.goto(`${base}/setup`);
      await page.getByText('At least 10 characters').waitFor();
      await page.getByLabel('Setup code').fill(SETUP_CODE);
      await page.getByLabel('Family name').fill('The Newcomers');
      await page.getByLabel('Username').fill('nina');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create the administrator' }).click();
      await page.getByText(/Welcome, nina: The Newcomers is set up/).waitFor();
      await shot(page, '20-setup-confirmed');

      // A rejected key on save: the reason, and the User ID still in the form.
      const info = running.sb.info;
      await page.getByLabel('Sophtron User ID').fill(info.userId);
      await page.getByLabel('Sophtron Access Key').fill('not base64!');
      await page.getByLabel('Base URL (optional)').fill(info.baseUrl);
      await page.getByRole('button', { name: 'Save the credentials' }).click();
      await page.getByText(/Sophtron Access Key: is not base64 text/).waitFor();
      expect(await page.getByLabel('Sophtron User ID').inputValue()).toBe(info.userId);
      await shot(page, '21-settings-key-rejected');
      // Saved, then removed again: back to the sandbox.
      await page.getByLabel('Sophtron Access Key').fill(info.accessKey);
      await page.getByRole('button', { name: 'Save the credentials' }).click();
      await page.getByText('Sophtron credentials saved and accepted by Sophtron.').waitFor();
      await page.getByRole('button', { name: 'Remove the saved credentials' }).click();
      await page
        .getByText(/Sophtron credentials removed: this family uses the built-in sandbox again/)
        .waitFor();
      await page.getByText('this family uses the built-in sandbox.').waitFor();
      await shot(page, '22-settings-credentials-removed');

      // The schedule page: on by default, what happens next; the notification form shows one kind.
      await page.goto(`${base}/schedule`);
      await expect.poll(() => page.locator('#schedule-state').innerText()).toMatch(/^on — daily at 05:17/);
      await expect.poll(() => page.locator('#next-sync').innerText()).toMatch(/^(today|tomorrow) 05:17$/);
      expect(await page.locator('input[name="enabled"]').isChecked()).toBe(true);
      await page.locator('select[name="kind"]').selectOption('email');
      await expect.poll(() => page.getByLabel('SMTP server').isVisible()).toBe(true);
      expect(await page.locator('fieldset[data-kind="ntfy"]').isVisible()).toBe(false);
      await shot(page, '23-schedule');

      // Connect the NoMFA test bank (the form says what the sandbox accepts), link, first sync.
      await page.goto(`${base}/connect`);
      await page.getByLabel("Your bank's name").pressSequentially('Sophtron Bank NoM', { delay: 30 });
      await page.getByRole('link', { name: 'Sophtron Bank NoMFA', exact: true }).click();
      await page.locator('#sandbox-login-hint').waitFor();
      await page.locator('input[name="username"]').fill('asdfg12X');
      await page.locator('input[name="password"]').fill('asdfg12X');
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.locator('#link-form').waitFor({ timeout: 30_000 });
      await expect
        .poll(() => page.locator('#page-title').innerText())
        .toBe('Connected to Sophtron Bank NoMFA');
      const connectionId = /\/connections\/([^/]+)\/link/.exec(
        (await page.locator('#link-form').getAttribute('action'))!,
      )![1]!;
      await page.getByRole('button', { name: 'Link the chosen accounts' }).click();
      await page.waitForURL(`${base}/?ok=*`);
      await page.getByRole('button', { name: 'Sync now' }).click();
      await page.waitForURL(/\/sync\/history\//, { timeout: 60_000 });
      await page.locator('.pill.succeeded').first().waitFor();

      // The chart after the first sync shows the months read (derived, dashed); whole rows at 390 px.
      await page.goto(`${base}/`);
      const account = page.locator('table.accounts a').first();
      const accountHref = (await account.getAttribute('href'))!;
      await account.click();
      await page.locator('.chart path.line.derived').waitFor();
      await page.locator('#derived-note').waitFor();
      const ragged = Number(
        await page.evaluate(`(() => {
          const width = document.documentElement.clientWidth;
          let bad = 0;
          for (const row of document.querySelectorAll('#transactions tbody tr')) {
            const r = row.getBoundingClientRect();
            if (r.left < 0 || r.right > width) bad++;
            for (const cell of row.children) {
              const c = cell.getBoundingClientRect();
              if (c.width > 0 && (c.left < r.left - 1 || c.right > r.right + 1)) bad++;
            }
          }
          return bad;
        })()`),
      );
      expect(ragged, 'rows or cells outside the screen').toBe(0);
      await shot(page, '24-account-phone');

      // Unlink it, then link again: the old account is the default choice.
      await page.getByRole('button', { name: 'Unlink from the bank account' }).click();
      await page.waitForURL(/ok=/);
      await page.goto(`${base}/connections/${connectionId}/link`);
      const accountId = accountHref.split('/').pop()!;
      const into = page.locator(`select[name^="into_"]:has(option[value="${accountId}"])`).first();
      expect(await into.inputValue()).toBe(accountId);
      await shot(page, '25-relink-default');
      await page.getByRole('button', { name: 'Link the chosen accounts' }).click();
      await page.waitForURL(`${base}/?ok=*`);

      // A failed bank login: the heading says so; the banner offers ways out and leaves when used.
      await page.goto(`${base}/connect`);
      await page.getByLabel("Your bank's name").pressSequentially('Cascade', { delay: 30 });
      await page
        .getByRole('link', { name: /Cascade/ })
        .first()
        .click();
      await page.locator('input[name="username"]').fill('nina');
      await page.locator('input[name="password"]').fill('fail');
      await page.getByRole('button', { name: 'Connect' }).click();
      await expect
        .poll(() => page.locator('#page-title').innerText(), { timeout: 30_000 })
        .toMatch(/^Could not connect/);
      await shot(page, '26-connect-failed');
      await page.goto(`${base}/`);
      const banner = page.locator('.banner.attention').filter({ hasText: 'Invalid credentials' });
      await banner.waitFor();
      expect(await banner.getByRole('link', { name: 'Try again' }).count()).toBe(1);
      await shot(page, '27-banner-failed-login');
      await banner.getByRole('button', { name: 'Remove this login' }).click();
      await page.getByText(/login was removed/).waitFor();
      expect(await page.locator('.banner.attention').count()).toBe(0);

      // The wizard without Firefly III: a message and a way on at each step; the configuration first.
      await page.goto(`${base}/import`);
      await page.getByRole('button', { name: 'Start fresh' }).click();
      await page.getByText('Firefly III is not connected').first().waitFor();
      await page.getByRole('button', { name: 'Next: dates' }).click();
      await page.getByLabel(/Everything since/).check();
      await page.getByRole('button', { name: 'Next: options' }).click();
      const [config] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download the configuration' }).click(),
      ]);
      expect(config.suggestedFilename()).toMatch(/^import_config_\d{4}-\d{2}-\d{2}\.json$/);
      await page.getByRole('button', { name: 'Next: sync' }).click();
      await page.getByRole('button', { name: /Skip/ }).click();
      await page.getByRole('button', { name: 'Deliver now' }).click();
      await page
        .locator('.flash.error')
        .getByText(/Firefly III is not connected/)
        .waitFor();
      await page.getByRole('link', { name: 'Set up Firefly III in Settings' }).waitFor();
      await shot(page, '28-wizard-no-firefly');

      // Firefly III unreachable: the reason, Try again and Back, not an empty progress bar.
      const family = (await h2.store.listFamilies())[0]!;
      await h2.store.saveFireflySettings(family.id, {
        url: 'http://127.0.0.1:9',
        token: 'unreachable-token',
      });
      await page.goto(`${base}/import`);
      await page.getByRole('button', { name: 'Start fresh' }).click();
      await page.getByText(/Firefly III did not answer/).waitFor();
      await page.getByRole('link', { name: 'Ask Firefly III again' }).waitFor();
      await page.getByRole('button', { name: 'Next: dates' }).click();
      await page.getByRole('button', { name: 'Next: options' }).click();
      await page.getByRole('button', { name: 'Next: sync' }).click();
      await page.getByRole('button', { name: /Skip/ }).click();
      await page.getByRole('button', { name: 'Deliver now' }).click();
      await page.getByRole('button', { name: 'Try again' }).waitFor({ timeout: 60_000 });
      await page
        .locator('.flash.error')
        .getByText(/Nothing was delivered/)
        .waitFor();
      await page.getByRole('link', { name: 'Back: options' }).waitFor();
      expect(await page.content()).not.toContain('unreachable-token');
      await shot(page, '29-wizard-unreachable');

      // A restart (new sandbox process state from the data folder, new port): sync again, no relinking.
      await running.web.close();
      await running.sb.close();
      running = await serveOnce();
      base = running.web.url;
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Sync now' }).click();
      await page.waitForURL(/\/sync\/history\//, { timeout: 60_000 });
      await page.locator('.pill.succeeded').first().waitFor();
      expect(await page.content()).not.toMatch(/no longer knows|link it again/);
      await shot(page, '30-sync-after-restart');
    } finally {
      await context.close();
      await running.web.close();
      await running.sb.close();
      await h2.close();
    }
  }, 240_000);
});

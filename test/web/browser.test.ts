/**
 * The whole product in a real browser (Debian's chromium through playwright-core): first-run
 * setup with the console code, Sophtron credentials (the sandbox's), connecting Sophtron Bank
 * through captcha, security question, token method and token, linking accounts, an import into the
 * Firefly III fake with live progress and its result, and a second family that sees none of it.
 * Screenshots of each step go to test-output/screenshots/.
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

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI)
  throw new Error(`${CHROMIUM} is missing on CI: install the chromium package`);
if (!available)
  console.warn(`SKIPPED browser tests: ${CHROMIUM} is not installed (apt-get install chromium).`);

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');

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
    db: h.store.db,
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
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  // A string: the test project has no DOM types.
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  expect(overflow, `${name}: the page is wider than the screen`).toBeLessThanOrEqual(0);
}

describe.skipIf(!available)('the web application in a browser', () => {
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
    await page.locator('#live-progress progress').waitFor();
    await shot(page, '11-import-sync-progress');
    await page.waitForURL(/\/deliver$/, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Deliver now' }).click();
    await page.locator('#live-progress').waitFor();
    await shot(page, '12-import-deliver-progress');
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
});

/**
 * Screenshots of the main screens for docs/screenshots/, taken from a real `serve` with ~30 realistic
 * deletions (several portals and entity types, form and JSON bodies), a few refused requests and two
 * trusted tokens. Before every shot the page is checked for secrets: application tokens, OAuth
 * tokens and the dashboard key must never be on screen.
 *
 * Fixed data and a fixed clock, so a screenshot changes only when the UI does: the data folder is
 * seeded through the monitor's own pipeline with fixed receive times (helpers/demo-log.ts), serve
 * listens on a fixed port (shown in the status bar), and the page's clock is frozen.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_SECRETS, SEED_TOKEN, fixture } from '../helpers/fixtures.js';
import { launchChromium } from './helpers/browser.js';
import { assertNoSecrets, openDashboard, showView, visibleItemIds, type DomGlobals, type OpenPage, type PageOptions } from './helpers/dashboard-page.js';
import { seedDemoLog, type DemoEvent } from './helpers/demo-log.js';
import { saveScreenshot, settle } from './helpers/screenshot-file.js';
import { E2E_OAUTH_TOKENS, deletionForm, deletionJson, type DeletionSpec } from './helpers/events.js';
import { startMonitor, type Monitor } from './helpers/monitor.js';

const OUT_DIR = path.resolve('docs/screenshots');
/** A fixed data folder, so the settings page shows the same path every run. */
const DATA_DIR = path.join(os.tmpdir(), 'bitrix24-deletion-monitor-demo');

/** A second portal's token (added in the settings) and tokens nobody trusts (quarantined). */
const NORD_TOKEN = 'e2e0nord0token0000000000000000ab';
const STRANGER_TOKEN = 'e2e0stranger0token00000000000cd';
const SECRETS = [...SEED_SECRETS, ...E2E_OAUTH_TOKENS, NORD_TOKEN, STRANGER_TOKEN];
/** The event listener's port in the pictures: below Linux's ephemeral range, where port 0 picks from. */
const DEMO_PORT = 24311;
/** The page's frozen clock: the evening of the demo day. */
const DEMO_NOW = Date.UTC(2025, 10, 26, 17, 30, 0);
/** The demo deletions are received 1.2 s after the portal queued them, the refused requests later that day. */
const RECEIVE_DELAY_MS = 1200;

const PORTALS = {
  acme: { portal: 'acme.bitrix24.com', memberId: 'c0ffee00c0ffee00c0ffee00c0ffee00', token: SEED_TOKEN },
  nord: { portal: 'nord-logistik.bitrix24.de', memberId: '5eed5eed5eed5eed5eed5eed5eed5eed', token: NORD_TOKEN },
  stroy: { portal: 'stroymaster.bitrix24.ru', memberId: 'b0a7b0a7b0a7b0a7b0a7b0a7b0a7b0a7', token: SEED_TOKEN },
} as const;

/** ~30 deletions across portals and entity types 1, 2, 3, 4, 7, 31, 1220 and 147, oldest first. */
function demoDeletions(): (DeletionSpec & { json: boolean })[] {
  const plan: [keyof typeof PORTALS, number, number, number | undefined][] = [
    ['acme', 2, 4471, 1],
    ['acme', 1, 18830, 1],
    ['nord', 3, 2290, 12],
    ['stroy', 4, 615, undefined],
    ['acme', 31, 905, 1],
    ['nord', 1220, 57, 12],
    ['acme', 2, 4472, 5],
    ['stroy', 147, 311, 3],
    ['acme', 7, 1204, 5],
    ['nord', 2, 9918, undefined],
    ['acme', 1, 18831, 1],
    ['stroy', 3, 7702, 3],
    ['acme', 1220, 58, undefined],
    ['nord', 4, 880, 12],
    ['acme', 3, 30117, 5],
    ['stroy', 31, 42, 3],
    ['acme', 2, 4480, 1],
    ['nord', 147, 12, 12],
    ['acme', 1, 18847, undefined],
    ['stroy', 2, 1506, 3],
    ['acme', 4, 2210, 5],
    ['nord', 7, 331, 12],
    ['acme', 1220, 61, 1],
    ['stroy', 1, 9035, undefined],
    ['acme', 2, 4495, 5],
    ['nord', 31, 77, 12],
    ['acme', 3, 30121, 1],
    ['stroy', 147, 318, 3],
    ['acme', 2, 4501, 1],
    ['nord', 1, 6140, undefined],
  ];
  const start = 1_764_154_800; // 2025-11-26 11:00:00 UTC
  return plan.map(([portal, entityTypeId, itemId, userId], i) => ({
    ...PORTALS[portal],
    entityTypeId,
    itemId,
    userId,
    ts: start + i * 431,
    handlerId: portal === 'nord' ? 9 : 6,
    json: i % 3 === 1,
  }));
}


/** Nothing sticks out sideways: no horizontal page scroll, and every header/status item is inside the window. */
async function assertNothingCutOff(page: Page): Promise<void> {
  const problems = await page.evaluate(() => {
    const { document } = globalThis as unknown as DomGlobals;
    const width = (globalThis as unknown as { innerWidth: number }).innerWidth;
    const found: string[] = [];
    if (document.body.scrollWidth > width) found.push(`page scrolls sideways (${document.body.scrollWidth} > ${width})`);
    for (const el of Array.from(document.querySelectorAll('.table-body, .table-scroll')) as unknown as { className: string; scrollWidth: number; clientWidth: number }[]) {
      if (el.scrollWidth > el.clientWidth + 1) found.push(`.${el.className.split(' ')[0]} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    }
    for (const el of Array.from(document.querySelectorAll('.app-header button, .app-header h1, .status-bar .status-item, .filter-bar .field, .toolbar button, .page h2'))) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && (box.left < 0 || box.right > width + 0.5)) found.push(`"${(el.textContent ?? '').trim().slice(0, 40)}" ends at ${Math.round(box.right)} px`);
    }
    return found;
  });
  expect(problems).toEqual([]);
}

describe('screenshots (docs/screenshots)', () => {
  let browser: Browser;
  let monitor: Monitor;
  let open: OpenPage;
  let page: Page;
  const saved: string[] = [];

  async function shot(name: string, target: Page = page): Promise<void> {
    await settle(target);
    await assertNoSecrets(target, [...SECRETS, monitor.key]);
    await assertNothingCutOff(target);
    const file = path.join(OUT_DIR, `${name}.png`);
    saveScreenshot(file, await target.screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' }));
    saved.push(path.relative(process.cwd(), file));
  }

  const pageOptions = (more: PageOptions = {}): PageOptions => ({ viewport: { width: 1280, height: 800 }, fixedTime: DEMO_NOW, ...more });

  beforeAll(async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    rmSync(DATA_DIR, { recursive: true, force: true });
    const deletions: DemoEvent[] = demoDeletions().map((spec) => ({
      body: spec.json ? deletionJson(spec) : deletionForm(spec),
      format: spec.json ? 'json' : 'form',
      receivedAt: spec.ts * 1000 + RECEIVE_DELAY_MS,
      expect: 200,
    }));
    // Refused requests for the quarantine: the outgoing webhook's token, a stranger's, and one without any.
    const refused: DemoEvent[] = [
      fixture('outgoing-webhook-deal-delete.form'),
      deletionForm({ portal: 'unknown-portal.bitrix24.ru', memberId: 'deadbeefdeadbeefdeadbeefdeadbeef', token: STRANGER_TOKEN, entityTypeId: 3, itemId: 5521, ts: 1_764_170_000 }),
      deletionForm({ portal: 'unknown-portal.bitrix24.ru', memberId: 'deadbeefdeadbeefdeadbeefdeadbeef', token: '', entityTypeId: 1, itemId: 90210, ts: 1_764_170_500 }).replace(/&auth%5Bapplication_token%5D=$/, ''),
    ].map((body, i) => ({ body, format: 'form', receivedAt: Date.UTC(2025, 10, 26, 16, 5 + 7 * i, 12), expect: 401 }));
    await seedDemoLog(DATA_DIR, {
      // Two trusted tokens in the settings (by fingerprint and label; the tokens themselves are never shown).
      tokens: [
        { token: SEED_TOKEN, portal: 'acme.bitrix24.com', label: 'ACME — outgoing webhook', addedAt: Date.UTC(2025, 10, 3, 9, 12, 0) },
        { token: NORD_TOKEN, portal: 'nord-logistik.bitrix24.de', label: 'Nord Logistik', addedAt: Date.UTC(2025, 10, 17, 14, 40, 0) },
      ],
      // serve runs with --no-tunnel, which wins over the saved setting, so nothing connects anywhere.
      subdomain: 'acme-deletions',
      events: [...deletions, ...refused],
      runTokens: [SEED_TOKEN, NORD_TOKEN],
    });
    [browser, monitor] = await Promise.all([launchChromium(), startMonitor({ dataDir: DATA_DIR, seeded: true, tokens: [SEED_TOKEN, NORD_TOKEN], port: DEMO_PORT })]);
    open = await openDashboard(browser, monitor, pageOptions());
    page = open.page;
  });

  afterAll(async () => {
    if (saved.length > 0) console.log(`screenshots:\n  ${saved.join('\n  ')}`);
    await open?.context.close();
    await browser?.close();
    await monitor?.stop();
  });

  it('main log, light and dark', async () => {
    await page.locator('.table-body .row[data-id]').first().waitFor();
    expect((await visibleItemIds(page))[0]).toBe(6140);
    await expect.poll(() => page.getByTestId('count-total').textContent()).toBe('30');
    await shot('main-log-light');

    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('main-log-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('main log, filtered', async () => {
    await page.getByRole('search').getByLabel('Entity type').selectOption('2');
    await expect.poll(() => page.locator('.match-count').textContent()).toBe('7 deletions');
    await shot('main-log-filtered');
    await page.getByRole('search').getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('.match-count').textContent()).toBe('30 deletions');
  });

  it('quarantine', async () => {
    await showView(page, 'Quarantine');
    await page.locator('.quarantine-table tbody tr').nth(2).waitFor();
    await shot('quarantine');
  });

  it('settings', async () => {
    await showView(page, 'Settings');
    await page.locator('.token-table tbody tr').nth(1).waitFor();
    await shot('settings');
    await page.locator('.app-main').evaluate((main: { scrollTop: number; scrollHeight: number }) => void (main.scrollTop = main.scrollHeight));
    await shot('settings-tokens');
  });

  it('setup guide', async () => {
    await showView(page, 'Setup guide');
    await page.getByRole('heading', { name: 'Connect your Bitrix24 portal' }).waitFor();
    await shot('setup-guide');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('setup-guide-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('narrow window (1024×700)', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    await showView(page, 'Deletions');
    await page.locator('.table-body .row[data-id]').first().waitFor();
    await shot('main-log-1024');
    await showView(page, 'Quarantine');
    await page.locator('.quarantine-table').waitFor();
    await assertNothingCutOff(page);
    await showView(page, 'Settings');
    await shot('settings-1024');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('Russian', async () => {
    await showView(page, 'Settings');
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    expect(open.errors).toEqual([]);
    // A Russian user's browser: Russian date pickers, Moscow time.
    await open.context.close();
    open = await openDashboard(browser, monitor, pageOptions({ locale: 'ru-RU', timezoneId: 'Europe/Moscow' }));
    page = open.page;
    await page.locator('.table-body .row[data-id]').first().waitFor();
    await shot('main-log-ru');
    await showView(page, 'Карантин');
    await shot('quarantine-ru');
    await showView(page, 'Настройки');
    await shot('settings-ru');
    await page.locator('.app-header .setup-button').click();
    await page.locator('.first-waiting').waitFor();
    await shot('setup-guide-ru');
    await page.setViewportSize({ width: 1024, height: 700 });
    await showView(page, 'Карантин');
    await page.locator('.quarantine-table').waitFor();
    await assertNothingCutOff(page);
    await showView(page, 'Удаления');
    await shot('main-log-ru-1024');
    expect(open.errors).toEqual([]);
  });

  it('setup guide answers the first deletion (the last shots: the deletion arrives now, at a real time)', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await monitor.call('updateSettings', { language: 'en' });
    await page.locator('.app-header .setup-button').click();
    await page.getByRole('heading', { name: 'Connect your Bitrix24 portal' }).waitFor();
    expect(await page.locator('.first-waiting').textContent()).toContain('Waiting for the first deletion');
    // A deal deleted on the portal now, as the admin testing the webhook would.
    await monitor.post(deletionForm({ ...PORTALS.acme, entityTypeId: 2, itemId: 4520, userId: 1, ts: Math.floor(DEMO_NOW / 1000) }));
    const card = page.getByRole('region', { name: 'It works: the first deletion from your portal arrived' });
    await card.waitFor();
    expect(await card.locator('td').allTextContents()).toEqual(['ONCRMDEALDELETE', 'Deal', '4520', 'acme.bitrix24.com']);
    // The status bar's counts follow in a coalesced status push: wait for it, or the picture races it.
    await expect.poll(() => page.getByTestId('count-total').textContent()).toBe('31');
    await shot('setup-guide-first-deletion');
    await monitor.call('updateSettings', { language: 'ru' });
    await page.getByRole('region', { name: 'Работает: пришло первое удаление с вашего портала' }).waitFor();
    await shot('setup-guide-first-deletion-ru');
    await page.getByRole('button', { name: 'Открыть журнал удалений' }).first().click();
    expect(await page.locator('main.app-main').getAttribute('data-view')).toBe('log');
    expect(open.errors).toEqual([]);
  });

  it('a mass deletion: the banner (25 deals deleted by one user within 2 minutes)', async () => {
    await monitor.call('updateSettings', { language: 'en' });
    await showView(page, 'Deletions');
    const start = Math.floor(DEMO_NOW / 1000) - 3600;
    for (let i = 0; i < 25; i++) {
      await monitor.post(deletionForm({ ...PORTALS.stroy, entityTypeId: 2, itemId: 7000 + i, userId: 3, ts: start + i * 5 }));
    }
    const banner = page.locator('.banner-burst');
    await banner.getByText('Mass deletion on stroymaster.bitrix24.ru: 25 items deleted by user 3').waitFor();
    expect(await banner.textContent()).toContain('the rule: 20 deletions within 10 min');
    // The banner alone: the rows below it arrived now, at a real time.
    await settle(page);
    await assertNoSecrets(page, [...SECRETS, monitor.key]);
    saveScreenshot(path.join(OUT_DIR, 'mass-deletion-banner.png'), await banner.screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' }));
    expect(open.errors).toEqual([]);
  });
});

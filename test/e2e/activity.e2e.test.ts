/**
 * The activity view in Chromium against a real `serve`: two weeks of deletions (with one mass deletion)
 * seeded through the monitor's own pipeline at fixed times. The chart's numbers in the page (its table and
 * its label) must equal what `getActivity` answers and what the log counts row by row; a click on a bar
 * opens the log filtered to that day and type. Screenshots: docs/screenshots/activity-view(-ru).png.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, DeletionFilter } from '../../electron/core/contract.js';
import { SEED_SECRETS, SEED_TOKEN } from '../helpers/fixtures.js';
import { launchChromium } from './helpers/browser.js';
import { assertNoSecrets, openDashboard, showView, type OpenPage, type PageOptions } from './helpers/dashboard-page.js';
import { seedDemoLog, type DemoEvent } from './helpers/demo-log.js';
import { E2E_OAUTH_TOKENS, deletionForm } from './helpers/events.js';
import { saveScreenshot, settle } from './helpers/screenshot-file.js';
import { startMonitor, type Monitor } from './helpers/monitor.js';

const OUT_DIR = path.resolve('docs/screenshots');
const DATA_DIR = path.join(os.tmpdir(), 'bitrix24-deletion-monitor-activity-demo');
/** Fixed, so the status bar in the pictures shows the same port every run. */
const DEMO_PORT = 24312;
const DEMO_NOW = Date.UTC(2025, 10, 26, 17, 30, 0);
const NORD_TOKEN = 'e2e0nord0token0000000000000000ab';
const PORTALS = [
  { portal: 'acme.bitrix24.com', memberId: 'c0ffee00c0ffee00c0ffee00c0ffee00', token: SEED_TOKEN },
  { portal: 'nord-logistik.bitrix24.de', memberId: '5eed5eed5eed5eed5eed5eed5eed5eed', token: NORD_TOKEN },
  { portal: 'stroymaster.bitrix24.ru', memberId: 'b0a7b0a7b0a7b0a7b0a7b0a7b0a7b0a7', token: SEED_TOKEN },
];
const TYPES = [2, 2, 2, 1, 1, 3, 4, 31, 1220, 2, 1, 3];
const USERS = [1, 5, 12, undefined, 3, 1, 5];

/** 14 days (12-25 November 2025) of working-hours deletions, and 60 deals wiped by one user on the 21st. */
function demoDeletions(): DemoEvent[] {
  let seed = 7;
  const rand = (m: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor(seed / 65_536) % m; // (the low bits of this generator repeat quickly)
  };
  const specs = [];
  let item = 5000;
  for (let day = 0; day < 14; day++) {
    const weekend = [4, 5, 11, 12].includes(day); // 16-17 and 23-24 November
    const n = weekend ? 1 + rand(3) : 8 + rand(14);
    for (let k = 0; k < n; k++) {
      const ts = Date.UTC(2025, 10, 12 + day, 6 + rand(10), rand(60), rand(60)) / 1000;
      specs.push({ ...PORTALS[rand(3)]!, entityTypeId: TYPES[rand(TYPES.length)]!, itemId: item++, ts, userId: USERS[rand(USERS.length)] });
    }
  }
  for (let k = 0; k < 60; k++) specs.push({ ...PORTALS[2]!, entityTypeId: 2, itemId: 9000 + k, ts: Date.UTC(2025, 10, 21, 14, 2, 0) / 1000 + k * 7, userId: 3 });
  specs.sort((a, b) => a.ts - b.ts);
  return specs.map((spec) => ({ body: deletionForm(spec), format: 'form', receivedAt: spec.ts * 1000 + 1500, expect: 200 }));
}

/** The chart's numbers as the page shows them: its table, row by row (start, counts by type id, total). */
async function pageNumbers(page: Page): Promise<{ types: number[]; rows: { start: number; end: number; counts: number[]; total: number }[]; total: string }> {
  const table = page.getByTestId('activity-table');
  const types = (await table.locator('thead th[data-type]').evaluateAll((ths) => ths.map((th) => Number((th as unknown as { dataset: { type: string } }).dataset.type)))) as number[];
  const rows = (await table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const el = tr as unknown as { dataset: { start: string; end: string }; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
      const cells = Array.from(el.querySelectorAll('td')).map((td) => Number((td.textContent ?? '').replace(/\D/g, '')));
      return { start: Number(el.dataset.start), end: Number(el.dataset.end), counts: cells.slice(0, -1), total: cells.at(-1)! };
    }),
  )) as { start: number; end: number; counts: number[]; total: number }[];
  return { types, rows, total: (await page.getByTestId('activity-total').textContent()) ?? '' };
}

describe('activity view (Chromium, real serve)', () => {
  let browser: Browser;
  let monitor: Monitor;
  let open: OpenPage;
  const pageOptions = (more: PageOptions = {}): PageOptions => ({ viewport: { width: 1280, height: 800 }, fixedTime: DEMO_NOW, ...more });

  async function shot(page: Page, name: string): Promise<void> {
    await settle(page);
    await assertNoSecrets(page, [...SEED_SECRETS, ...E2E_OAUTH_TOKENS, NORD_TOKEN, monitor.key]);
    saveScreenshot(path.join(OUT_DIR, `${name}.png`), await page.screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' }));
  }

  /** Deletions the log counts for a filter (row by row in the store, not from the tallies). */
  const counted = async (filter: DeletionFilter): Promise<number> => (await monitor.call('queryDeletions', { filter, offset: 0, limit: 0 })).total;

  beforeAll(async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    rmSync(DATA_DIR, { recursive: true, force: true });
    await seedDemoLog(DATA_DIR, { tokens: [], events: demoDeletions(), subdomain: 'acme-deletions', runTokens: [SEED_TOKEN, NORD_TOKEN] });
    [browser, monitor] = await Promise.all([launchChromium(), startMonitor({ dataDir: DATA_DIR, seeded: true, tokens: [SEED_TOKEN, NORD_TOKEN], port: DEMO_PORT })]);
    open = await openDashboard(browser, monitor, pageOptions());
  });

  afterAll(async () => {
    await open?.context.close();
    await browser?.close();
    await monitor?.stop();
  });

  it('shows per-day numbers equal to getActivity and to the rows the log counts; a bar opens its day and type in the log', async () => {
    const { page } = open;
    await showView(page, 'Activity');
    await page.locator('.activity-chart canvas').first().waitFor();
    const activity = (await monitor.call('getActivity', { filter: {}, timeZone: 'UTC' })) as Activity;
    expect(activity.granularity).toBe('day');
    expect(activity.buckets).toHaveLength(14);
    const shown = await pageNumbers(page);
    expect(shown.total).toBe(`${activity.total} deletions`);
    expect(activity.total).toBe(await counted({}));
    expect(shown.types).toEqual(activity.entityTypeIds);
    const nonEmpty = activity.buckets.filter((b) => b.total > 0);
    expect(shown.rows).toEqual(nonEmpty.map((b) => ({ start: b.start, end: b.end, counts: b.counts, total: b.total })));
    // Each day, and each type of the busiest day, counted by the log itself.
    for (const b of nonEmpty) expect(await counted({ from: b.start, to: b.end })).toBe(b.total);
    const busiest = activity.buckets.reduce((a, b) => (b.total > a.total ? b : a));
    expect(busiest.start).toBe(Date.UTC(2025, 10, 21));
    for (const [i, type] of activity.entityTypeIds.entries()) expect(await counted({ from: busiest.start, to: busiest.end, entityTypeId: type })).toBe(busiest.counts[i]);
    // Top users and portals, as the core gave them.
    const users = await page.getByTestId('activity-users').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as unknown as { textContent: string }).textContent));
    expect(users).toEqual(activity.topUsers.map((u) => `${u.userId === null ? 'automation / not named' : `user ${u.userId}`}${u.portal}${u.count}`));
    expect(activity.topUsers[0]).toEqual({ portal: 'stroymaster.bitrix24.ru', userId: 3, count: expect.any(Number) });
    const label = await page.getByTestId('activity-chart').getAttribute('aria-label');
    expect(label).toContain(`Deletions per day, by entity type: ${activity.total} deletions, 2025-11-12 to 2025-11-25`);
    expect(open.errors).toEqual([]);
    await shot(page, 'activity-view');

    // The busiest day's bar, near its foot: its bottom type (deals).
    const over = await page.locator('.activity-chart .u-over').boundingBox();
    const index = activity.buckets.indexOf(busiest);
    await page.mouse.click(over!.x + ((index + 0.5) / activity.buckets.length) * over!.width, over!.y + over!.height - 2);
    await page.locator('main.app-main[data-view="log"]').waitFor();
    const deals = busiest.counts[0]!;
    expect(activity.entityTypeIds[0]).toBe(2);
    await expect.poll(() => page.locator('.match-count').textContent()).toBe(`${deals} deletions`);
    expect(await page.getByRole('search').getByLabel('Entity type').inputValue()).toBe('2');
    expect(await page.getByRole('search').getByLabel('From').inputValue()).toBe('2025-11-21');
    expect(await page.getByRole('search').getByLabel('To').inputValue()).toBe('2025-11-21');
    expect(deals).toBe(await counted({ from: busiest.start, to: busiest.end, entityTypeId: 2 }));
    await page.getByRole('search').getByRole('button', { name: 'Clear filters' }).click();
  });

  it('hours for a short range, in Russian and Moscow time (screenshot)', async () => {
    await monitor.call('updateSettings', { language: 'ru' });
    await open.context.close();
    open = await openDashboard(browser, monitor, pageOptions({ locale: 'ru-RU', timezoneId: 'Europe/Moscow' }));
    const { page } = open;
    await showView(page, 'Активность');
    await page.locator('.activity-chart canvas').first().waitFor();
    const moscow = (await monitor.call('getActivity', { filter: {}, timeZone: 'Europe/Moscow' })) as Activity;
    expect(moscow.buckets[0]!.start).toBe(Date.UTC(2025, 10, 11, 21)); // Moscow midnight
    const shown = await pageNumbers(page);
    expect(shown.rows).toEqual(moscow.buckets.filter((b) => b.total > 0).map((b) => ({ start: b.start, end: b.end, counts: b.counts, total: b.total })));
    expect(await page.getByRole('heading', { name: 'Удаления по дням и типам сущностей' }).count()).toBe(1);
    await shot(page, 'activity-view-ru');

    // Two days picked in the filter: hours.
    await page.getByRole('search').getByLabel('С', { exact: true }).fill('2025-11-20');
    await page.getByRole('search').getByLabel('По', { exact: true }).fill('2025-11-21');
    await page.getByRole('heading', { name: 'Удаления по часам и типам сущностей' }).waitFor();
    const hourly = (await monitor.call('getActivity', { filter: { from: Date.UTC(2025, 10, 19, 21), to: Date.UTC(2025, 10, 21, 21) }, timeZone: 'Europe/Moscow' })) as Activity;
    expect(hourly.granularity).toBe('hour');
    expect(hourly.buckets).toHaveLength(48);
    await expect.poll(async () => (await pageNumbers(page)).rows.length).toBe(hourly.buckets.filter((b) => b.total > 0).length);
    expect((await pageNumbers(page)).rows.map((r) => r.total)).toEqual(hourly.buckets.filter((b) => b.total > 0).map((b) => b.total));
    await monitor.call('updateSettings', { language: 'en' });
    expect(open.errors).toEqual([]);
  });
});

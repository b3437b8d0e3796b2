/**
 * Opening the dashboard in a fresh browser context and finding things on it.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Monitor } from './monitor.js';

/**
 * The few DOM shapes the in-page functions use: the Node tsconfig has no DOM lib, so functions run in
 * the page reach the page's globals through `globalThis` with these types.
 */
export interface DomElement {
  textContent: string | null;
  classList: Iterable<string>;
  children: ArrayLike<DomElement>;
  getBoundingClientRect(): { top: number; left: number; right: number; bottom: number; width: number; height: number };
}
export interface DomGlobals {
  document: {
    body: DomElement & { innerText: string; scrollWidth: number; clientWidth: number };
    querySelectorAll(selector: string): ArrayLike<DomElement & { value: string }>;
  };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Time zone of the page (dates in the table are local). Default UTC. */
  timezoneId?: string;
  locale?: string;
  /** Freeze the page's clock (Date.now, new Date) at this time; timers still run. */
  fixedTime?: number;
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (a healthy page has none). */
  errors: string[];
}

/** Opens the printed dashboard URL (key in the fragment) and waits until the app has loaded. */
export async function openDashboard(browser: Browser, monitor: Monitor, options: PageOptions = {}): Promise<OpenPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    timezoneId: options.timezoneId ?? 'UTC',
    locale: options.locale ?? 'en-US',
    acceptDownloads: true,
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Failed loads are reported below with their URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    // Chromium asks for /favicon.ico on its own; the dashboard has none.
    if (response.status() >= 400 && pathname !== '/favicon.ico') errors.push(`HTTP ${response.status()}: ${response.request().method()} ${pathname}`);
  });
  if (options.fixedTime !== undefined) await page.clock.setFixedTime(options.fixedTime);
  await page.goto(monitor.dashboardUrl);
  try {
    await page.locator('.app').waitFor({ state: 'visible', timeout: 15_000 });
  } catch (error) {
    const text = await page.locator('body').innerText().catch(() => '?');
    throw new Error(`the dashboard did not load: ${String(error)}\npage text: ${text.slice(0, 300)}\nerrors: ${errors.join('; ')}\nserve stderr: ${monitor.serve.stderr().slice(-1000)}`);
  }
  return { context, page, errors };
}

/** Clicks a top-level view: 'Deletions', 'Quarantine', 'Settings' (English UI) or the setup guide button. */
export async function showView(page: Page, name: string): Promise<void> {
  await page.locator('.app-header').getByRole('button', { name, exact: false }).first().click();
}

/** Item ids of the rows the table shows, top to bottom (the table is virtual: only rows in view). */
export async function visibleItemIds(page: Page): Promise<number[]> {
  const texts = await page.locator('.table-body .row[data-id] .col-item').allTextContents();
  return texts.map(Number);
}

/** Every cell of every row the table shows, top to bottom, keyed by column class (`received`, `event`, ...). */
export async function visibleRows(page: Page): Promise<Record<string, string>[]> {
  return page.locator('.table-body .row[data-id]').evaluateAll((rows: DomElement[]) =>
    rows
      .map((row) => {
        const cells: Record<string, string> = {};
        for (const cell of Array.from(row.children)) {
          const column = Array.from(cell.classList).find((c) => c.startsWith('col-'));
          if (column) cells[column.slice(4)] = (cell.textContent ?? '').trim();
        }
        return { top: row.getBoundingClientRect().top, cells };
      })
      .sort((a, b) => a.top - b.top)
      .map((r) => r.cells),
  );
}

/** Waits until the table's rows are exactly these item ids (in order). */
export async function waitForItemIds(page: Page, expected: number[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number[] = [];
  while (Date.now() < deadline) {
    last = await visibleItemIds(page);
    if (last.length === expected.length && last.every((id, i) => id === expected[i])) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`the table shows items [${last.join(', ')}], expected [${expected.join(', ')}]`);
}

/** Throws when the page's text or markup contains any of these strings (tokens, keys). */
export async function assertNoSecrets(page: Page, secrets: readonly string[]): Promise<void> {
  const html = await page.content();
  const text = await page.evaluate(() => (globalThis as unknown as DomGlobals).document.body.innerText);
  const values = await page.evaluate(() => Array.from((globalThis as unknown as DomGlobals).document.querySelectorAll('input')).map((i) => i.value));
  const url = page.url();
  for (const secret of secrets) {
    if (html.includes(secret) || text.includes(secret) || values.some((v) => v.includes(secret))) {
      throw new Error(`the page shows a secret (${secret.slice(0, 4)}…)`);
    }
    if (url.includes(secret)) throw new Error(`the address bar still holds a secret (${secret.slice(0, 4)}…)`);
  }
}

/**
 * One Chromium, one monitor and the dashboard open in one page, for a whole describe block: started
 * before its first test and closed after its last.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.js';
import { openDashboard, type OpenPage } from './dashboard-page.js';
import { startMonitor, type Monitor } from './monitor.js';

export interface DashboardSuite {
  browser: Browser;
  monitor: Monitor;
  open: OpenPage;
  page: Page;
}

/** Call inside `describe`; the fields are set once its beforeAll has run. */
export function dashboardSuite(): DashboardSuite {
  const suite = {} as DashboardSuite;
  beforeAll(async () => {
    [suite.browser, suite.monitor] = await Promise.all([launchChromium(), startMonitor()]);
    suite.open = await openDashboard(suite.browser, suite.monitor);
    suite.page = suite.open.page;
  });
  afterAll(async () => {
    await suite.open?.context.close();
    await suite.browser?.close();
    await suite.monitor?.stop();
  });
  return suite;
}

/**
 * The dashboard refuses what is not the user's own page: API calls without the per-run key, requests
 * naming a foreign Host (DNS rebinding), and a page opened without `#key=` shows a message, not data.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD } from '../../electron/core/contract.js';
import { SEED_SECRETS, fixture } from '../helpers/fixtures.js';
import { request } from '../helpers/http-client.js';
import { launchChromium } from './helpers/browser.js';
import { assertNoSecrets } from './helpers/dashboard-page.js';
import { startMonitor, type Monitor } from './helpers/monitor.js';

describe('dashboard guard', () => {
  let browser: Browser;
  let monitor: Monitor;
  const getStatus = DASHBOARD.callPath + 'getStatus';
  const json = { 'Content-Type': 'application/json', 'Content-Length': 2 };

  beforeAll(async () => {
    [browser, monitor] = await Promise.all([launchChromium(), startMonitor()]);
    await monitor.post(fixture('dynamic-item-delete.form'));
  });

  afterAll(async () => {
    await browser?.close();
    await monitor?.stop();
  });

  it('answers getStatus with the key and the right Host', async () => {
    const res = await request(monitor.dashboardPort, {
      path: getStatus,
      headers: { ...json, Host: `127.0.0.1:${monitor.dashboardPort}`, [DASHBOARD.keyHeader]: monitor.key },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(res.json().result.counts.total).toBe(1);
  });

  it('refuses API calls without the key (401) or with a wrong one', async () => {
    const host = { Host: `127.0.0.1:${monitor.dashboardPort}` };
    const none = await request(monitor.dashboardPort, { path: getStatus, headers: { ...json, ...host }, body: '{}' });
    expect(none.status).toBe(401);
    expect(none.json().error.code).toBe('BAD_KEY');
    expect(none.text).not.toContain('"result"');

    const wrong = await request(monitor.dashboardPort, { path: getStatus, headers: { ...json, ...host, [DASHBOARD.keyHeader]: 'x'.repeat(43) }, body: '{}' });
    expect(wrong.status).toBe(401);

    const events = await request(monitor.dashboardPort, { method: 'GET', path: DASHBOARD.eventsPath, headers: host });
    expect(events.status).toBe(401);
    const csv = await request(monitor.dashboardPort, { path: DASHBOARD.exportPath, headers: { ...json, ...host }, body: '{}' });
    expect(csv.status).toBe(401);
  });

  it('refuses a foreign Host even with the key', async () => {
    for (const path of [getStatus, '/']) {
      const res = await request(monitor.dashboardPort, {
        method: path === '/' ? 'GET' : 'POST',
        path,
        headers: { ...(path === '/' ? {} : json), Host: 'evil.example', [DASHBOARD.keyHeader]: monitor.key },
        body: path === '/' ? undefined : '{}',
      });
      expect(res.status, `${path} with Host: evil.example`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.json().error.code).toBe('BAD_HOST');
      expect(res.text).not.toContain('"result"');
    }
    // DNS rebinding names the attacker's host with our port: refused as well.
    const rebound = await request(monitor.dashboardPort, {
      path: getStatus,
      headers: { ...json, Host: `evil.example:${monitor.dashboardPort}`, [DASHBOARD.keyHeader]: monitor.key },
      body: '{}',
    });
    expect(rebound.json().error?.code).toBe('BAD_HOST');
    // A foreign Origin is refused too (CSRF from a page the user visits).
    const csrf = await request(monitor.dashboardPort, {
      path: getStatus,
      headers: { ...json, Host: `127.0.0.1:${monitor.dashboardPort}`, Origin: 'https://evil.example', [DASHBOARD.keyHeader]: monitor.key },
      body: '{}',
    });
    expect(csrf.status).toBe(403);
  });

  it('shows a clear message, and no data, when the page is opened without #key', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      const apiCalls: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname.startsWith('/api/')) apiCalls.push(response.status());
      });
      await page.goto(`http://127.0.0.1:${monitor.dashboardPort}/`);
      await page.getByRole('heading', { name: 'This dashboard link has no key' }).waitFor();
      await page.getByText('Open the dashboard link the monitor printed when it started').waitFor();
      const text = await page.locator('body').innerText();
      expect(text).not.toMatch(/some-domain|ONCRM|Deletions|Export CSV/);
      expect(apiCalls).toEqual([]);
      await assertNoSecrets(page, [...SEED_SECRETS, monitor.key]);

      // A key that is not this run's (a stale link): the page says the key was refused, and shows no data.
      const stale = await context.newPage();
      stale.on('response', (response) => {
        if (new URL(response.url()).pathname.startsWith('/api/')) apiCalls.push(response.status());
      });
      await stale.goto(`http://127.0.0.1:${monitor.dashboardPort}/#key=${'A'.repeat(43)}`);
      await stale.getByText('The dashboard key was refused').waitFor();
      expect(await stale.locator('body').innerText()).not.toMatch(/some-domain|ONCRM|Export CSV/);
      expect(stale.url()).not.toContain('#key=');
      expect(apiCalls.length).toBeGreaterThan(0);
      expect(apiCalls.every((status) => status === 401)).toBe(true);
    } finally {
      await context.close();
    }
  });
});

/**
 * Application mode in Chromium, against a real `serve`, the localtunnel test server and the fake
 * Bitrix24 portal: the admin connects the portal with the wizard, the portal installs the application
 * through the tunnel, deletions arrive with the acting user's name and the portal's type names.
 * Screenshots (en, ru) for docs/screenshots, from fixed ports, users and ids, and a frozen page clock.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBitrix24Portal } from '../helpers/fake-bitrix24-portal.js';
import { LocaltunnelTestServer } from '../helpers/localtunnel-server.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { launchChromium } from './helpers/browser.js';
import { assertNoSecrets, openDashboard, showView, type OpenPage } from './helpers/dashboard-page.js';
import type { Monitor } from './helpers/monitor.js';
import { saveScreenshot, settle } from './helpers/screenshot-file.js';
import { untilWithin } from '../helpers/until.js';

const OUT_DIR = path.resolve('docs/screenshots');
/** Fixed ports, so the addresses on screen are the same every run (below Linux's ephemeral range). */
const PORTS = { tunnel: 24321, portal: 24322, oauth: 24323, events: 24324 };
const DEMO_NOW = Date.UTC(2025, 10, 26, 17, 30, 0);
/** The key that seals the application's secrets (B24DM_APP_KEY): 32 bytes as hex. */
const APP_KEY = 'a1'.repeat(32);
const CLIENT_ID = 'local.6570a1b2c3d4e5.27180928';
const CLIENT_SECRET = 'w8ZqL3vNc0pRtY6uHk2sJd9fGa5eXm1bVo4iQz7';

const until = untilWithin(30_000);

describe('application mode (dashboard in Chromium)', () => {
  let browser: Browser;
  let portal: FakeBitrix24Portal;
  let tunnels: LocaltunnelTestServer;
  let serve: ServeProcess;
  let open: OpenPage;
  let page: Page;
  let key: string;
  let root: string | undefined;

  /** A screenshot of the page, or of one element of it. */
  async function shot(name: string, element?: import('playwright-core').Locator, mask: import('playwright-core').Locator[] = []): Promise<void> {
    await settle(page);
    await assertNoSecrets(page, [CLIENT_SECRET, APP_KEY, key, ...portal.issuedSecrets]);
    // Rows that just arrived fade from yellow, and late names re-render them: wait for two equal pictures.
    const options = { animations: 'disabled', caret: 'hide', scale: 'css', mask, maskColor: '#c9ced6' } as const;
    const take = (): Promise<Buffer> => (element ? element.screenshot(options) : page.screenshot(options));
    let picture = await take();
    for (let tries = 0; tries < 20; tries++) {
      await page.waitForTimeout(300);
      const next = await take();
      if (next.equals(picture)) break;
      picture = next;
    }
    saveScreenshot(path.join(OUT_DIR, `${name}.png`), picture);
  }

  /**
   * These deletions arrive now: their "Received at" is the real time of the run. The column is left out
   * of the picture so that it changes only when the UI does (the rest of each row is fixed data). Done
   * through the CSSOM: the page's CSP rightly refuses an injected style sheet.
   */
  async function hideReceivedAt(): Promise<void> {
    await page.evaluate(() => {
      type Styled = { style: { setProperty(name: string, value: string): void; visibility: string } };
      const { document, getComputedStyle } = globalThis as unknown as {
        document: { querySelector(s: string): Styled; querySelectorAll(s: string): ArrayLike<Styled> };
        getComputedStyle(el: Styled): { getPropertyValue(name: string): string };
      };
      const table = document.querySelector('.table');
      // The first grid column (Received at) shrinks to nothing; every other column keeps its place.
      table.style.setProperty('--columns', getComputedStyle(table).getPropertyValue('--columns').trim().replace(/^\S+/, '0px'));
      for (const cell of Array.from(document.querySelectorAll('.col-received'))) cell.style.visibility = 'hidden';
    });
  }

  beforeAll(async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    portal = await FakeBitrix24Portal.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      memberId: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      ports: { portal: PORTS.portal, oauth: PORTS.oauth },
      users: { 1: { NAME: 'Anna', LAST_NAME: 'Smirnova' }, 7: { NAME: 'Ivan', LAST_NAME: 'Petrov' }, 12: { NAME: 'Olga', LAST_NAME: 'Kuznetsova' } },
    });
    tunnels = await LocaltunnelTestServer.start({ port: PORTS.tunnel, domain: 'loca.lt' });
    // A folder for the whole describe block (tempDir() would remove it after the first test).
    root = mkdtempSync(path.join(os.tmpdir(), 'b24dm-app-e2e-'));
    const dataDir = path.join(root, 'data');
    serve = await startServe(
      ['--data-dir', dataDir, '--port', String(PORTS.events), '--dashboard-port', '0', '--tunnel-host', tunnels.host, '--subdomain', 'acme-deletions', '--allow-loopback-portal', '--app-drain-seconds', '3600'],
      { B24DM_APP_KEY: APP_KEY },
    );
    const dashboardUrl = await serve.waitFor('dashboard');
    key = new URLSearchParams(new URL(dashboardUrl).hash.slice(1)).get('key')!;
    await serve.waitFor('tunnel');
    browser = await launchChromium();
    open = await openDashboard(browser, { dashboardUrl } as Monitor, { viewport: { width: 1280, height: 800 }, fixedTime: DEMO_NOW });
    page = open.page;
  });

  afterAll(async () => {
    await open?.context.close();
    await browser?.close();
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    await tunnels?.close();
    await portal?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('connects a portal with the wizard: the portal installs the application through the tunnel', async () => {
    await showView(page, 'Settings');
    await page.getByRole('button', { name: 'Connect as application…' }).click();
    const wizard = page.getByRole('region', { name: 'Connect a portal as an application' });
    await wizard.getByText('http://acme-deletions.loca.lt:24321').waitFor();
    await wizard.getByLabel('Portal address').fill(portal.domain);
    await wizard.getByLabel('Application ID (client_id)').fill(CLIENT_ID);
    await wizard.scrollIntoViewIfNeeded();
    // (Before the secret is typed: the page is checked for secrets, and a password field holds its value.)
    await shot('connect-app-wizard');
    await wizard.getByLabel('Application key (client_secret)').fill(CLIENT_SECRET);
    await wizard.getByRole('button', { name: 'Connect' }).click();
    await wizard.getByText(`Waiting for Bitrix24 to install the application on ${portal.domain}`).waitFor();

    // The admin clicks Save in Bitrix24: the portal posts ONAPPINSTALL to the public URL.
    expect((await portal.install(await serve.waitFor('tunnel'))).status).toBe(200);
    await wizard.getByText(`${portal.domain} is connected`).waitFor({ timeout: 20_000 });
    await until('bindings', () => portal.bindings.length >= 16);
    expect(await page.locator('.app-table').textContent()).toContain('connected');
    // (The wizard alone: the portal table beside it says when the queue was drained, a real time.)
    await shot('connect-app-connected', wizard);
    await wizard.getByRole('button', { name: 'Done' }).click();
  });

  it('shows who deleted and the portal\'s names of types, in English and Russian', async () => {
    await showView(page, 'Deletions');
    const deletions: [string, number, number | undefined, number | null][] = [
      ['ONCRMDEALDELETE', 4501, undefined, 7],
      ['ONCRMDYNAMICITEMDELETE', 57, 1038, 12],
      ['ONCRMLEADDELETE', 18830, undefined, null],
      ['ONCRMCONTACTDELETE', 2290, undefined, 1],
    ];
    for (const [event, id, entityTypeId, userId] of deletions) {
      const sent = await portal.deleteItem({ event, id, userId, ts: Math.floor(DEMO_NOW / 1000) - 600 + id % 97, ...(entityTypeId !== undefined && { entityTypeId }) });
      expect(sent.online.map((d) => d.status)).toEqual([200]);
    }
    // The row of an item: its item id cell holds exactly that number.
    const cell = (itemId: number, column: string) =>
      page.locator('.table-body .row[data-id]').filter({ has: page.locator('.col-item', { hasText: new RegExp(`^${itemId}$`) }) }).locator(`.col-${column}`);
    const dump = async (): Promise<string> => (await page.locator('.table-body .row[data-id]').allTextContents()).join('\n');
    await until('names', async () => (await cell(57, 'user').textContent()) === 'Olga Kuznetsova' && (await cell(4501, 'user').textContent()) === 'Ivan Petrov').catch(async (error: Error) => {
      throw new Error(`${error.message}; rows:\n${await dump()}\nserve:\n${serve.stderr().slice(-3000)}`);
    });
    expect(await cell(57, 'type').textContent()).toBe('Equipment purchase');
    expect(await cell(18830, 'user').textContent()).toBe('automation');
    // The type filter names the type as the portal does.
    await expect.poll(() => page.getByRole('search').getByLabel('Entity type').locator('option').allTextContents()).toContain('Equipment purchase (1038)');
    await hideReceivedAt();
    await shot('main-log-app-names');

    await showView(page, 'Settings');
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    await showView(page, 'Удаления');
    await until('ru', async () => (await cell(18830, 'user').textContent()) === 'автоматизация');
    await hideReceivedAt();
    await shot('main-log-app-names-ru');
    await showView(page, 'Настройки');
    await page.getByRole('button', { name: 'Подключить как приложение…' }).click();
    // (The wizard alone: the portal table above it says when the queue was drained, a real time.)
    const wizardRu = page.getByRole('region', { name: 'Подключить портал как приложение' });
    await shot('connect-app-wizard-ru', wizardRu);
    expect(open.errors).toEqual([]);
  });

  it('shows what a deleted item was: renamed on the portal, then deleted, its panel has the new title (en, ru)', async () => {
    // Back to English (the test before ends in Russian).
    await showView(page, 'Настройки');
    await page.getByLabel('Язык').selectOption('en');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await until('backfill done', async () => (await page.locator('.app-table').textContent())?.includes('kept, updated as') ?? false);

    // Deals the backfill never saw (made without events), then one a user adds, renames and deletes.
    portal.generateItems(2, 4700);
    // The monitor fetches a changed item by id (`crm.item.list` with `@id` inside a `batch`); other batches
    // (names) do not count.
    const fetchedById = (from: number, itemId: number) =>
      portal.requests.slice(from).some((r) => r.method === 'batch' && r.status === 200 && /crm\.item\.list\?[^"]*%40id[^"]*/.test(JSON.stringify(r.params)) && JSON.stringify(r.params).includes(`=${itemId}`));
    let from = portal.requests.length;
    const { id } = await portal.addItem(2, { title: 'Warehouse racks, 40 units', opportunity: 1_250_000, currencyId: 'RUB', assignedById: 12 }, 7);
    await until('the new deal fetched', () => fetchedById(from, id));
    from = portal.requests.length;
    await portal.updateItem(2, id, { title: 'Warehouse racks, 48 units', opportunity: 1_480_000 }, 7);
    await until('the renamed deal fetched', () => fetchedById(from, id));
    await new Promise((r) => setTimeout(r, 1000)); // its answer stored (a deletion right after a rename would freeze the old one)
    portal.dropItem(2, id);
    const sent = await portal.deleteItem({ event: 'ONCRMDEALDELETE', id, userId: 7, ts: Math.floor(DEMO_NOW / 1000) - 120 });
    expect(sent.online.map((d) => d.status)).toEqual([200]);

    await showView(page, 'Deletions');
    const row = page.locator('.table-body .row[data-id]').filter({ has: page.locator('.col-item', { hasText: new RegExp(`^${id}$`) }) });
    await until('the title in the row', async () => (await row.locator('.col-type').textContent())?.includes('Warehouse racks, 48 units') ?? false).catch(async (error: Error) => {
      const batches = portal.requests.filter((r) => r.method === 'batch').slice(-6).map((r) => decodeURIComponent(JSON.stringify(r.params)).slice(0, 300));
      throw new Error(`${error.message}; the row: ${await row.textContent()}; last batches:\n${batches.join('\n')}\nserve:\n${serve.stderr().slice(-2000)}`);
    });
    await row.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Deal ${id} · Warehouse racks, 48 units` }).waitFor();
    const field = (label: string) => dialog.locator('.detail-fields > div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
    expect(await field('Title').textContent()).toBe('Warehouse racks, 48 units');
    expect(await field('Amount').textContent()).toBe('RUB\u00a01,480,000.00');
    expect(await field('Responsible').textContent()).toBe('Olga Kuznetsova');
    expect(await field('Deleted by').textContent()).toBe('Ivan Petrov');
    // Values of this run (arrival, the delay, the rename, the snapshot; the fake portal's application token
    // is random) are masked: the picture changes only with the UI.
    const realTimes = (labels: string[]) => labels.map(field);
    await shot('row-detail-snapshot', dialog, realTimes(['Last changed on the portal', 'Snapshot taken', 'Arrived here', 'Delay', 'Token fingerprint']));
    await page.keyboard.press('Escape');

    await showView(page, 'Settings');
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    await showView(page, 'Удаления');
    await row.click();
    // (The type's name is the portal's own, from crm.enum.ownertype, in the portal's language.)
    await dialog.getByRole('heading', { name: new RegExp(` ${id} · Warehouse racks, 48 units$`) }).waitFor();
    expect(await dialog.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Что было удалено', 'Удаление']);
    expect(await field('Сумма').textContent()).toBe('1\u00a0480\u00a0000,00\u00a0₽');
    await shot('row-detail-snapshot-ru', dialog, realTimes(['Последнее изменение на портале', 'Снимок сделан', 'Получено здесь', 'Задержка', 'Отпечаток токена']));
    await page.keyboard.press('Escape');
    expect(open.errors).toEqual([]);
  });
});

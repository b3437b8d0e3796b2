/**
 * The live log in the dashboard: a posted deletion shows up as a row within a second, filters narrow
 * the rows, and "Export CSV" downloads exactly the filtered view.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER } from '../../electron/core/export/csv-export.js';
import { SEED_SECRETS, SEED_TOKEN, fixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';
import { assertNoSecrets, showView, visibleRows, waitForItemIds, type DomGlobals } from './helpers/dashboard-page.js';
import { deletionForm, deletionJson, type DeletionSpec } from './helpers/events.js';
import { dashboardSuite } from './helpers/dashboard-suite.js';

/** Resolves with the browser's clock when a row with this item id is in the table (or -1 after 5 s). */
async function watchForRow(page: Page, itemId: number): Promise<void> {
  await page.evaluate((id) => {
    const { document } = globalThis as unknown as DomGlobals;
    const g = globalThis as unknown as { __rowSeen?: Promise<number>; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void; disconnect(): void } };
    g.__rowSeen = new Promise<number>((resolve) => {
      const present = () => Array.from(document.querySelectorAll('.table-body .row[data-id] .col-item')).some((cell) => cell.textContent === id);
      if (present()) return resolve(Date.now());
      const observer = new g.MutationObserver(() => {
        if (!present()) return;
        observer.disconnect();
        resolve(Date.now());
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      setTimeout(() => (observer.disconnect(), resolve(-1)), 5000);
    });
  }, String(itemId));
}

async function rowSeenAt(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __rowSeen: Promise<number> }).__rowSeen);
}

const ACME = { portal: 'acme.bitrix24.com', memberId: 'c0ffee00c0ffee00c0ffee00c0ffee00' };
const NORD = { portal: 'nord-logistik.bitrix24.de', memberId: '5eed5eed5eed5eed5eed5eed5eed5eed' };
const base = { token: SEED_TOKEN, ts: 1_727_020_000 };
/** Posted after the fixtures, in this order. */
const MORE: (DeletionSpec & { json?: boolean })[] = [
  { ...base, ...ACME, entityTypeId: 2, itemId: 101, userId: 7 },
  { ...base, ...ACME, entityTypeId: 1, itemId: 201, json: true },
  { ...base, ...NORD, entityTypeId: 2, itemId: 102, userId: 12, json: true },
  { ...base, ...NORD, entityTypeId: 3, itemId: 301 },
  { ...base, ...ACME, entityTypeId: 2, itemId: 103 },
  { ...base, ...ACME, entityTypeId: 4, itemId: 401, json: true },
];

describe('live log (dashboard in Chromium)', () => {
  const suite = dashboardSuite();

  it('shows a posted deletion as a row within 1 s', async () => {
    const { page, monitor, open } = suite;
    // An empty log and no saved token, but serve was given --token: set up, so it opens on the log.
    expect(await page.locator('main.app-main').getAttribute('data-view')).toBe('log');
    await showView(page, 'Deletions');
    await page.getByText('No deletions recorded yet').waitFor();

    const measured: number[] = [];
    for (const [name, itemId] of [
      ['dynamic-item-delete.form', 23],
      ['dynamic-item-delete-no-user.form', 24],
      ['smart-invoice-delete-with-user.form', 905],
    ] as const) {
      await watchForRow(page, itemId);
      const postedAt = Date.now();
      await monitor.post(fixture(name));
      const seenAt = await rowSeenAt(page);
      expect(seenAt, `row for item ${itemId} (${name}) never appeared`).toBeGreaterThan(0);
      const ms = seenAt - postedAt;
      measured.push(ms);
      console.log(`post → row: ${ms} ms (${name}, item ${itemId})`);
      expect(ms).toBeLessThan(1000);
    }
    console.log(`post → row: max ${Math.max(...measured)} ms over ${measured.length} posts`);
    await waitForItemIds(page, [905, 24, 23]);
    await expect.poll(() => page.getByTestId('count-total').textContent()).toBe('3');
    expect(open.errors).toEqual([]);
  });

  it('narrows the rows with the entity type, item id and portal filters', async () => {
    const { page, monitor, open } = suite;
    for (const spec of MORE) await monitor.post(spec.json ? deletionJson(spec) : deletionForm(spec), spec.json ? 'application/json' : undefined);
    await waitForItemIds(page, [401, 103, 301, 102, 201, 101, 905, 24, 23]);
    await expect.poll(() => page.locator('.match-count').textContent()).toBe('9 deletions');

    const filter = page.getByRole('search');
    await filter.getByLabel('Entity type').selectOption({ label: 'Deal (2)' });
    await waitForItemIds(page, [103, 102, 101]);
    await expect.poll(() => page.locator('.match-count').textContent()).toBe('3 deletions');

    await filter.getByLabel('Portal').selectOption('acme.bitrix24.com');
    await waitForItemIds(page, [103, 101]);

    await filter.getByRole('button', { name: 'Clear filters' }).click();
    await waitForItemIds(page, [401, 103, 301, 102, 201, 101, 905, 24, 23]);

    await filter.getByLabel('Item id').fill('905');
    await waitForItemIds(page, [905]);
    const [row] = await visibleRows(page);
    expect(row).toMatchObject({ event: 'ONCRMDYNAMICITEMDELETE', type: 'Invoice', 'type-id': '31', item: '905', portal: 'some-domain.bitrix24.com', 'by-user': 'yes', user: '1' });

    await filter.getByLabel('Item id').fill('');
    await waitForItemIds(page, [401, 103, 301, 102, 201, 101, 905, 24, 23]);
    expect(open.errors).toEqual([]);
  });

  it('exports the filtered view to CSV through the browser download', async () => {
    const { page, monitor, open } = suite;
    const filter = page.getByRole('search');
    await filter.getByLabel('Entity type').selectOption({ label: 'Deal (2)' });
    await waitForItemIds(page, [103, 102, 101]);
    const shown = await visibleRows(page);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^deletions-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = path.join(tempDir('b24dm-e2e-dl-'), download.suggestedFilename());
    await download.saveAs(file);
    await expect.poll(() => page.locator('.export-status').textContent()).toMatch(/^Downloaded 3 rows as deletions-\d{4}-\d{2}-\d{2}\.csv/);

    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('\r\n');
    for (const secret of SEED_SECRETS) expect(text).not.toContain(secret);

    const records = parse(bytes, { bom: true, relax_column_count: false }) as string[][];
    expect(records[0]).toEqual([...CSV_HEADER]);
    const rows = records.slice(1);
    // The CSV runs oldest first; the table newest first. The page runs in UTC, so its local times are UTC.
    const asShown = (iso: string) => iso.slice(0, 19).replace('T', ' ');
    expect(
      rows.map(([received, sent, event, type, typeId, item, portal, member, byUser, user]) => ({
        received: asShown(received!),
        sent: asShown(sent!),
        event,
        type,
        'type-id': typeId,
        item,
        portal,
        member,
        'by-user': byUser,
        user: user === '' ? '—' : user,
      })),
    ).toEqual([...shown].reverse());
    expect(rows.map((r) => r[5])).toEqual(['101', '102', '103']);
    await assertNoSecrets(page, [...SEED_SECRETS, monitor.key]);
    expect(open.errors).toEqual([]);
  });
});

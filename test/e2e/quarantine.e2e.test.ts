/**
 * Trusting a quarantined token: a deletion signed with an unknown application token is refused (401)
 * and kept in the quarantine; "Trust this token" accepts the token and moves the deletion into the log.
 */
import { describe, expect, it } from 'vitest';
import { SEED_SECRETS, fixture } from '../helpers/fixtures.js';
import { postEvent } from '../helpers/http-client.js';
import { assertNoSecrets, showView, visibleRows, waitForItemIds } from './helpers/dashboard-page.js';
import { dashboardSuite } from './helpers/dashboard-suite.js';

describe('quarantine (dashboard in Chromium)', () => {
  // The seed token is accepted; the outgoing webhook's token (9f0c…) is not.
  const suite = dashboardSuite();

  it('moves a refused deletion into the log when its token is trusted', async () => {
    const { page, monitor, open } = suite;
    await monitor.post(fixture('dynamic-item-delete.form'));
    const refused = await postEvent(monitor.eventsPort, fixture('outgoing-webhook-deal-delete.form'));
    expect(refused.status).toBe(401);

    await showView(page, 'Deletions');
    await waitForItemIds(page, [23]);

    // The quarantine tab counts the refused request.
    const tab = page.locator('.app-header').getByRole('button', { name: /Quarantine/ });
    await expect.poll(() => tab.locator('.badge').textContent()).toBe('1');
    await tab.click();
    const table = page.locator('.quarantine-table');
    await table.waitFor();
    const cells = await table.locator('tbody tr').first().locator('td').allTextContents();
    expect(cells.slice(0, 5)).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/), 'some-domain.bitrix24.com', 'ONCRMDEALDELETE', expect.stringMatching(/^\S{4,}$/), 'Deal 4512']);
    await assertNoSecrets(page, [...SEED_SECRETS, monitor.key]);

    await table.getByRole('button', { name: 'Trust this token' }).click();
    const label = table.getByLabel('Label');
    await expect.poll(() => label.inputValue()).toBe('some-domain.bitrix24.com');
    await label.fill('Outgoing webhook (deals)');
    await table.getByRole('button', { name: 'Trust', exact: true }).click();
    await page.getByText(/is now trusted; 1 deletion moved into the log\./).waitFor();
    await page.getByText('Nothing has been refused.').waitFor();
    await expect.poll(() => tab.locator('.badge').count()).toBe(0);

    await showView(page, 'Deletions');
    await waitForItemIds(page, [4512, 23]);
    const [row] = await visibleRows(page);
    expect(row).toMatchObject({ event: 'ONCRMDEALDELETE', type: 'Deal', 'type-id': '2', item: '4512', portal: 'some-domain.bitrix24.com', 'by-user': 'no' });

    // From now on the token is accepted, and the settings list it by fingerprint and label only.
    const again = await postEvent(monitor.eventsPort, fixture('outgoing-webhook-deal-delete.form').replace('%5BID%5D=4512', '%5BID%5D=4513'));
    expect(again.status).toBe(200);
    await waitForItemIds(page, [4513, 4512, 23]);
    await showView(page, 'Settings');
    await page.locator('.token-table').getByText('Outgoing webhook (deals)').waitFor();
    await assertNoSecrets(page, [...SEED_SECRETS, monitor.key]);
    expect(open.errors).toEqual([]);
  });
});

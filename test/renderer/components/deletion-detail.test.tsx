import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PortalAppState } from '../../../electron/core/contract';
import { BASE_TIME, FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { renderApp } from '../helpers/render';

function app(): PortalAppState {
  return { domain: 'acme.bitrix24.com', clientId: 'local.1', status: 'connected', statusReason: null, connectedAt: BASE_TIME, handlerUrl: null, handlerRefused: false, lastDrain: null };
}

describe('row detail', () => {
  it('opens from a row by click or keyboard with every stored field, the delay, the Recycle Bin, and closes with Escape back to the row', async () => {
    const user = userEvent.setup();
    const record = makeRecord(1, { portal: 'acme.bitrix24.com', event: 'ONCRMDEALDELETE', entityTypeId: 2, itemId: 4501, userId: 7, userName: 'Ivan Petrov', sentAt: BASE_TIME, receivedAt: BASE_TIME + 83_000, handlerId: 6 });
    const api = new FakeMonitor({ records: [record], status: { apps: [app()] } });
    await renderApp(api);
    const row = document.querySelector<HTMLElement>(`[data-id="${record.id}"]`)!;
    await user.click(row);
    const dialog = screen.getByRole('dialog', { name: 'Deal 4501' });
    const fields = Object.fromEntries([...dialog.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
    expect(fields).toMatchObject({ Event: 'ONCRMDEALDELETE', 'Entity type': 'Deal (2)', 'Item id': '4501', Portal: 'acme.bitrix24.com', 'Deleted by': 'Ivan Petrov', Delay: '1 min 23 s', 'Handler id': '6', 'Token fingerprint': record.tokenFp });
    const bin = within(dialog).getByRole('link', { name: 'Open the portal’s CRM Recycle Bin' }) as HTMLAnchorElement;
    expect(bin.href).toBe('https://acme.bitrix24.com/crm/recyclebin/');
    expect(dialog.querySelector('pre')!.textContent).toContain('"itemId": 4501');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Close' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(row);
    // From the keyboard alone.
    row.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByRole('dialog', { name: 'Deal 4501' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows what the item was (application mode’s snapshot), in the reader’s language, or why there is none', async () => {
    const user = userEvent.setup();
    const snapshot = { title: 'Big order', amount: 12500.5, currency: 'RUB', responsibleId: 9, responsibleName: 'Olga Sidorova', updatedAt: BASE_TIME - 3_600_000, takenAt: BASE_TIME - 3_000_000 };
    const withSnapshot = makeRecord(1, { portal: 'acme.bitrix24.com', event: 'ONCRMDEALDELETE', entityTypeId: 2, itemId: 4501, snapshot });
    const without = makeRecord(2, { portal: 'acme.bitrix24.com', event: 'ONCRMDEALDELETE', entityTypeId: 2, itemId: 4502 });
    const webhook = makeRecord(3, { portal: 'hook.bitrix24.com', event: 'ONCRMDEALDELETE', entityTypeId: 2, itemId: 4503 });
    const api = new FakeMonitor({ records: [withSnapshot, without, webhook], status: { apps: [app()] } });
    await renderApp(api);
    const row = document.querySelector<HTMLElement>(`[data-id="${withSnapshot.id}"]`)!;
    expect(row.textContent).toContain('Big order');
    await user.click(row);
    const dialog = screen.getByRole('dialog');
    expect(dialog.querySelector('h2')!.textContent).toBe('Deal 4501 · Big order');
    const section = within(dialog).getByRole('region', { name: 'What it was' });
    const fields = Object.fromEntries([...section.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
    expect(fields).toMatchObject({ Title: 'Big order', Amount: 'RUB\u00a012,500.50', Responsible: 'Olga Sidorova' });
    await user.keyboard('{Escape}');
    await user.click(document.querySelector<HTMLElement>(`[data-id="${without.id}"]`)!);
    expect(screen.getByRole('dialog').textContent).toContain('No snapshot of this item');
    await user.keyboard('{Escape}');
    await user.click(document.querySelector<HTMLElement>(`[data-id="${webhook.id}"]`)!);
    expect(screen.getByRole('dialog').textContent).toContain('kept for portals connected as applications');
  });
});

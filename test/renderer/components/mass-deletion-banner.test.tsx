import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { BASE_TIME, FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { flush, renderApp } from '../helpers/render';

describe('mass-deletion alerts in the window', () => {
  it('a banner says who deleted how much where, marks the burst rows, shows them in the log, and can be dismissed', async () => {
    const user = userEvent.setup();
    const burst = Array.from({ length: 25 }, (_, i) => makeRecord(i + 1, { portal: 'acme.bitrix24.com', userId: 7, userName: 'Ivan Petrov', sentAt: BASE_TIME + i * 5000 }));
    const other = makeRecord(26, { portal: 'acme.bitrix24.com', userId: 8, sentAt: BASE_TIME + 1000 });
    const alert = { id: 'burst-1', portal: 'acme.bitrix24.com', userId: 7, userName: 'Ivan Petrov', count: 25, firstAt: BASE_TIME, lastAt: BASE_TIME + 120_000, raisedAt: BASE_TIME + 95_000, threshold: 20, windowMinutes: 10 };
    const api = new FakeMonitor({ records: [...burst, other], status: { alerts: [alert] } });
    await renderApp(api);
    const banner = screen.getAllByRole('alert').find((a) => a.textContent?.startsWith('Mass deletion'))!;
    expect(banner.querySelector('.banner-title')!.textContent).toBe('Mass deletion on acme.bitrix24.com: 25 items deleted by Ivan Petrov');
    expect(banner.textContent).toContain('(the rule: 20 deletions within 10 min)');
    expect(document.querySelector(`[data-id="${burst[24]!.id}"]`)?.classList.contains('row-burst')).toBe(true);
    expect(document.querySelector(`[data-id="${burst[20]!.id}"]`)?.classList.contains('row-burst')).toBe(true);
    expect(document.querySelector(`[data-id="${other.id}"]`)?.classList.contains('row-burst')).toBe(false);
    await user.click(within(banner).getByRole('button', { name: 'Show in the log' }));
    await flush();
    expect(api.callsOf('queryDeletions').at(-1)![0]).toMatchObject({ filter: { portal: 'acme.bitrix24.com', from: BASE_TIME } });
    await user.click(within(banner).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryAllByRole('alert').some((a) => a.textContent?.startsWith('Mass deletion'))).toBe(false);
  });
});

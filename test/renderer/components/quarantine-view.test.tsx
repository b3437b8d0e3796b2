import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../electron/core/contract';
import { BASE_TIME, FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { flush, renderApp } from '../helpers/render';

const ENTRIES: QuarantineEntry[] = [
  { id: 'q1', receivedAt: BASE_TIME, portal: 'gamma.bitrix24.com', event: 'ONCRMDEALDELETE', tokenFp: '9f8e7d6c', itemId: 77, entityTypeId: 2 },
  { id: 'q2', receivedAt: BASE_TIME + 1000, portal: 'gamma.bitrix24.com', event: 'ONCRMLEADDELETE', tokenFp: '9f8e7d6c', itemId: 78, entityTypeId: 1 },
  { id: 'q3', receivedAt: BASE_TIME + 2000, portal: null, event: 'ONCRMDEALDELETE', tokenFp: null, itemId: null, entityTypeId: null },
];

function monitor(): FakeMonitor {
  return new FakeMonitor({
    synthetic: 3,
    quarantine: ENTRIES,
    quarantinedRecords: { q1: [makeRecord(0, { id: 'moved-1', portal: 'gamma.bitrix24.com' })], q2: [makeRecord(0, { id: 'moved-2', portal: 'gamma.bitrix24.com' })] },
  });
}

async function openQuarantine(api: FakeMonitor) {
  const user = userEvent.setup();
  await renderApp(api);
  await user.click(screen.getByRole('button', { name: /Quarantine/ }));
  return user;
}

describe('QuarantineView', () => {
  it('lists refused requests with portal, time, event, token fingerprint and item', async () => {
    await openQuarantine(monitor());
    expect(screen.getByRole('button', { name: /Quarantine/ }).textContent).toContain('3');
    const rows = within(screen.getByRole('table', { name: 'Refused requests' })).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[2]!.textContent).toContain('gamma.bitrix24.com');
    expect(rows[2]!.textContent).toContain('9f8e7d6c');
    expect(rows[2]!.textContent).toContain('Deal 77');
    expect(rows[0]!.textContent).toContain('no token');
    expect(within(rows[0]!).queryByRole('button', { name: 'Trust this token' })).toBeNull();
  });

  it('trusts a token and says how many deletions moved into the log', async () => {
    const api = monitor();
    const user = await openQuarantine(api);
    const row = within(screen.getByRole('table', { name: 'Refused requests' })).getAllByRole('row')[2]!;
    await user.click(within(row).getByRole('button', { name: 'Trust this token' }));
    const label = within(row).getByLabelText('Label') as HTMLInputElement;
    expect(label.value).toBe('gamma.bitrix24.com');
    await user.clear(label);
    await user.type(label, 'Gamma');
    await user.click(within(row).getByRole('button', { name: 'Trust' }));
    await flush();
    expect(api.callsOf('trustQuarantined')).toEqual([[{ id: 'q2', label: 'Gamma' }]]);
    expect(screen.getByText('Token 9f8e7d6c is now trusted; 2 deletions moved into the log.')).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Refused requests' })).getAllByRole('row')).toHaveLength(2);
  });

  it('clears after a confirmation', async () => {
    const api = monitor();
    const user = await openQuarantine(api);
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(screen.getByText('Delete 3 refused requests?')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.callsOf('clearQuarantine')).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await user.click(screen.getByRole('button', { name: 'Yes, clear' }));
    await flush();
    expect(api.callsOf('clearQuarantine')).toHaveLength(1);
    expect(screen.getByText('Nothing has been refused.')).toBeTruthy();
  });
});

import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { DeletionFilter, DeletionQuery } from '../../../electron/core/contract';
import type { HttpExtras } from '../../../renderer/src/api/http-client';
import { BASE_TIME, FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { SELF_TEST_PORTAL } from '../../../electron/core/contract';
import { flush, renderApp } from '../helpers/render';

function lastQuery(api: FakeMonitor): DeletionQuery {
  return api.callsOf('queryDeletions').at(-1)![0] as DeletionQuery;
}

function firstQueryWith(api: FakeMonitor, filter: DeletionFilter): DeletionQuery | undefined {
  return api
    .callsOf('queryDeletions')
    .map(([q]) => q as DeletionQuery)
    .find((q) => JSON.stringify(q.filter) === JSON.stringify(filter));
}

function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

describe('filters', () => {
  it('leaves test deletions out until "Show test events" is ticked, and then marks them', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor({ records: [makeRecord(1, { itemId: 111 }), makeRecord(2, { portal: SELF_TEST_PORTAL, itemId: 424242 })] });
    await renderApp(api);
    const table = screen.getByRole('table');
    expect(table.textContent).toContain('111');
    expect(table.textContent).not.toContain('424242');
    expect(screen.getByText('1 deletion')).toBeTruthy();

    await user.click(screen.getByLabelText('Show test events'));
    await flush();
    expect(lastQuery(api)).toEqual({ filter: { includeTests: true }, offset: 0, limit: 200 });
    expect(screen.getByText('2 deletions')).toBeTruthy();
    const testRow = [...table.querySelectorAll('[role="row"]')].find((row) => row.textContent?.includes('424242'))!;
    expect(within(testRow as HTMLElement).getByText('test event').className).toContain('badge-test');
    // The self-test portal is never offered as a portal, not even after a test deletion is pushed.
    act(() => void api.addDeletions(1, () => ({ portal: SELF_TEST_PORTAL, itemId: 424243 })));
    expect([...(screen.getByLabelText('Portal') as HTMLSelectElement).options].map((o) => o.value)).not.toContain(SELF_TEST_PORTAL);
    // A pushed test deletion joins the view only while tests are shown.
    await user.click(screen.getByLabelText('Show test events'));
    await flush();
    expect(table.textContent).not.toContain('424242');
  });

  it('pickers are fed by listFacets, and each filter reloads the table with it', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor({ synthetic: 60 });
    await renderApp(api);
    expect(api.callsOf('listFacets')).toHaveLength(1);

    const event = screen.getByLabelText('Event') as HTMLSelectElement;
    expect([...event.options].map((o) => o.textContent)).toContain('ONCRMCOMPANYDELETE');
    await user.selectOptions(event, 'ONCRMDEALDELETE');
    await flush();
    expect(lastQuery(api)).toEqual({ filter: { event: 'ONCRMDEALDELETE' }, offset: 0, limit: 200 });
    expect(screen.getByText('10 deletions')).toBeTruthy();

    const type = screen.getByLabelText('Entity type') as HTMLSelectElement;
    expect([...type.options].map((o) => o.textContent)).toContain('Smart process 1220 (1220)');
    await user.selectOptions(type, 'Deal (2)');
    await user.selectOptions(screen.getByLabelText('Portal'), 'beta.bitrix24.ru');
    await flush();
    expect(lastQuery(api).filter).toEqual({ event: 'ONCRMDEALDELETE', entityTypeId: 2, portal: 'beta.bitrix24.ru' });
    const rows = within(screen.getAllByRole('rowgroup')[1]!).getAllByRole('row');
    expect(rows.every((r) => r.textContent!.includes('ONCRMDEALDELETE') && r.textContent!.includes('beta.bitrix24.ru'))).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await flush();
    expect(lastQuery(api).filter).toEqual({});
  });

  it('item id filters after a pause in typing, and refuses non-digits', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor({ synthetic: 60 });
    await renderApp(api);
    const item = screen.getByLabelText('Item id');
    await user.type(item, '12a');
    expect(screen.getByRole('alert').textContent).toBe('Digits only');
    await user.clear(item);
    await user.type(item, '1000042');
    await vi.waitFor(() => expect(firstQueryWith(api, { itemId: 1000042 })).toBeTruthy());
    await flush();
    expect(screen.getByText('1 deletion')).toBeTruthy();
    // Typing the digits one by one did not query for each prefix.
    expect(firstQueryWith(api, { itemId: 100 })).toBeUndefined();
  });

  it('date range: whole local days, "to" included', async () => {
    const api = new FakeMonitor({ synthetic: 60 });
    await renderApp(api);
    const day = localDay(BASE_TIME);
    fireEvent.change(screen.getByLabelText('From'), { target: { value: day } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: day } });
    await flush();
    const start = new Date(`${day}T00:00:00`).getTime();
    const end = new Date(start);
    end.setDate(end.getDate() + 1);
    expect(lastQuery(api).filter).toEqual({ from: start, to: end.getTime() });

    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2099-01-02' } });
    await flush();
    expect(screen.getByRole('alert').textContent).toBe('“To” is before “From”');
    expect(lastQuery(api).filter).toEqual({ from: start, to: end.getTime() });
  });
});

describe('export', () => {
  it('exports exactly the filtered view, with progress from exportProgress (desktop)', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor({ synthetic: 12_000 });
    await renderApp(api);
    await user.selectOptions(screen.getByLabelText('Portal'), 'alpha.bitrix24.com');
    await flush();
    api.hold('exportCsv');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await flush();
    expect(api.callsOf('exportCsv')).toEqual([[{ filter: { portal: 'alpha.bitrix24.com' }, path: '', language: 'en' }]]);
    expect((screen.getByRole('button', { name: 'Export CSV' }) as HTMLButtonElement).disabled).toBe(true);

    api.emit('exportProgress', { exportId: 'export-1', rows: 5000, done: false, error: null });
    await flush();
    const bar = screen.getByRole('progressbar', { name: 'Export progress' }) as HTMLProgressElement;
    expect(bar.max).toBe(8000);
    expect(bar.value).toBe(5000);
    expect(screen.getByText('Exporting… 5,000 of 8,000 rows')).toBeTruthy();

    api.release('exportCsv');
    await flush();
    expect(screen.getByText('Saved 8,000 rows to /home/user/Documents/bitrix24-deletions.csv')).toBeTruthy();
  });

  it('shows why an export failed', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor({ synthetic: 5 });
    await renderApp(api);
    api.failNext('exportCsv', 'EXPORT_FAILED', 'export failed: ENOSPC');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await flush();
    expect(screen.getByRole('alert').textContent).toBe('Export failed: export failed: ENOSPC');
  });

  it('dashboard: counts streamed rows and can cancel', async () => {
    const user = userEvent.setup();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const api = Object.assign(new FakeMonitor({ transport: 'http', synthetic: 3000 }), {
      connectionState: () => 'connected' as const,
      onConnectionChange: () => () => undefined,
      close: () => undefined,
      fetchExport: async (_filter: DeletionFilter, signal?: AbortSignal) => {
        const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
        signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
        return new Response(body);
      },
    } satisfies HttpExtras);
    await renderApp(api);
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    controller.enqueue(new TextEncoder().encode('Received at,Event\r\n' + 'x,y\r\n'.repeat(1200)));
    await flush();
    expect(screen.getByText('Exporting… 1,200 of 3,000 rows')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await flush();
    expect(screen.getByText('Export cancelled.')).toBeTruthy();
  });
});

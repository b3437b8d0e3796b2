import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DeletionFilter } from '../../../electron/core/contract';
import { DeletionTable, ROW_HEIGHT } from '../../../renderer/src/components/deletion-table';
import { useDeletionLog } from '../../../renderer/src/hooks/use-deletion-log';
import { formatLocalDateTime } from '../../../renderer/src/i18n/i18n';
import { FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { flush, renderWith } from '../helpers/render';

const VIEWPORT = 320; // 10 rows

function Harness({ filter = {} }: { filter?: DeletionFilter }) {
  const log = useDeletionLog(filter);
  return <DeletionTable log={log} filtered={Object.keys(filter).length > 0} onClearFilters={() => undefined} initialHeight={VIEWPORT} />;
}

function body(): HTMLElement {
  return screen.getAllByRole('rowgroup').find((el) => el.classList.contains('table-body'))!;
}

function bodyRows(): HTMLElement[] {
  return within(body()).getAllByRole('row');
}

function rowTop(row: HTMLElement): number {
  return Number(/translateY\((-?[\d.]+)px\)/.exec(row.style.transform)?.[1]);
}

function rowById(id: string): HTMLElement {
  return body().querySelector<HTMLElement>(`[data-id="${id}"]`)!;
}

async function scrollTo(top: number): Promise<void> {
  const el = body();
  el.scrollTop = top;
  fireEvent.scroll(el);
  await flush();
}

describe('DeletionTable', () => {
  it('renders the CSV columns and the newest rows first', async () => {
    const api = new FakeMonitor({ synthetic: 60 });
    renderWith(<Harness />, { api });
    await flush();
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Received at', 'Sent at', 'Event', 'Entity type', 'Type id', 'Item id', 'Portal', 'Member id', 'By user', 'Deleted by']);
    const table = screen.getByRole('table', { name: 'Deleted CRM items, newest first' });
    expect(table.getAttribute('aria-rowcount')).toBe('61');

    const first = bodyRows()[0]!;
    const record = makeRecord(60); // ONCRMDEALDELETE, deal, beta, by a user
    expect(within(first).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      formatLocalDateTime(record.receivedAt),
      formatLocalDateTime(record.sentAt),
      'ONCRMDEALDELETE',
      'Deal',
      '2',
      '1000060',
      'beta.bitrix24.ru',
      'member4',
      'yes',
      '10',
    ]);
    // Only what is in view (plus overscan) is in the DOM.
    expect(bodyRows().length).toBeLessThanOrEqual(VIEWPORT / ROW_HEIGHT + 6);
  });

  it('shows ids as plain digits, never with group separators', async () => {
    const api = new FakeMonitor({ records: [makeRecord(1, { itemId: 123456789, userId: 1234567, entityTypeId: 1038, event: 'ONCRMDYNAMICITEMDELETE_1038' })] });
    renderWith(<Harness />, { api });
    await flush();
    const cells = within(bodyRows()[0]!).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toContain('123456789');
    expect(cells).toContain('1234567');
    expect(cells).toContain('1038');
    expect(cells).toContain('Smart process 1038');
    expect(cells.join(' ')).not.toMatch(/\d[,\u00a0\u202f ]\d{3}\b/);
  });

  it('at the top, new rows appear at the top', async () => {
    const api = new FakeMonitor({ synthetic: 100 });
    renderWith(<Harness />, { api });
    await flush();
    expect(bodyRows()[0]!.dataset.id).toBe('rec-100');
    act(() => void api.addDeletions(2));
    await flush();
    expect(body().scrollTop).toBe(0);
    expect(bodyRows()[0]!.dataset.id).toBe('rec-102');
    expect(rowById('rec-102').classList.contains('is-fresh')).toBe(true);
    expect(screen.queryByRole('button', { name: /new — jump to newest/ })).toBeNull();
  });

  it('scrolled down, new rows do not move the rows in view, and a pill offers the newest', async () => {
    const api = new FakeMonitor({ synthetic: 1000 });
    renderWith(<Harness />, { api });
    await flush();
    await scrollTo(100 * ROW_HEIGHT);
    const watched = rowById('rec-900'); // index 100: the top of the viewport
    expect(rowTop(watched) - body().scrollTop).toBe(0);

    act(() => void api.addDeletions(3));
    await flush();
    const after = rowById('rec-900');
    expect(after).toBe(watched); // the same DOM row (stable key)
    expect(body().scrollTop).toBe(103 * ROW_HEIGHT);
    expect(rowTop(after) - body().scrollTop).toBe(0); // still exactly where the user saw it
    expect(after.getAttribute('aria-rowindex')).toBe('105');

    act(() => void api.addDeletions(2));
    await flush();
    const pill = screen.getByRole('button', { name: '5 new — jump to newest' });
    expect(pill.closest('[aria-live="polite"]')).not.toBeNull();
    await userEvent.click(pill);
    await flush();
    expect(body().scrollTop).toBe(0);
    expect(bodyRows()[0]!.dataset.id).toBe('rec-1005');
    expect(screen.queryByRole('button', { name: /jump to newest/ })).toBeNull();
  });

  it('scrolling back to the top clears the new-rows pill', async () => {
    const api = new FakeMonitor({ synthetic: 200 });
    renderWith(<Harness />, { api });
    await flush();
    await scrollTo(50 * ROW_HEIGHT);
    act(() => void api.addDeletions(1));
    await flush();
    expect(screen.getByRole('button', { name: '1 new — jump to newest' })).toBeTruthy();
    await scrollTo(0);
    expect(screen.queryByRole('button', { name: /jump to newest/ })).toBeNull();
  });

  it('handles a million rows: scaled scrollbar, pages loaded for the middle', async () => {
    const api = new FakeMonitor({ synthetic: 1_000_000 });
    renderWith(<Harness />, { api });
    await flush();
    const el = body();
    expect(el.dataset.scaled).toBe('true');
    const spacer = el.firstElementChild as HTMLElement;
    expect(parseFloat(spacer.style.height)).toBeLessThanOrEqual(8_000_000);

    const maxScrollTop = parseFloat(spacer.style.height) - VIEWPORT;
    await scrollTo(maxScrollTop / 2);
    await flush();
    const rows = bodyRows();
    const indexes = rows.map((r) => Number(r.getAttribute('aria-rowindex')) - 2);
    const middle = indexes[Math.floor(indexes.length / 2)]!;
    expect(Math.abs(middle - 500_000)).toBeLessThan(20);
    for (const row of rows) {
      const index = Number(row.getAttribute('aria-rowindex')) - 2;
      expect(row.dataset.id).toBe(`rec-${1_000_000 - index}`);
    }
    // Pages of 200 around what is shown (and its neighbours), not the whole log.
    const queries = api.callsOf('queryDeletions').map(([q]) => q as { limit: number });
    expect(queries.length).toBeLessThanOrEqual(8);
    expect(Math.max(...queries.map((q) => q.limit))).toBeLessThanOrEqual(200);

    // Keyboard: End reaches the oldest deletion.
    fireEvent.keyDown(el, { key: 'End' });
    await flush();
    expect(within(body()).getAllByRole('row').some((r) => r.dataset.id === 'rec-1')).toBe(true);
  });

  it('says when the log is empty, and when the filter matches nothing', async () => {
    renderWith(<Harness />, { api: new FakeMonitor() });
    await flush();
    expect(screen.getByText(/No deletions recorded yet/)).toBeTruthy();
  });

  it('says when the filter matches nothing', async () => {
    renderWith(<Harness filter={{ itemId: 5 }} />, { api: new FakeMonitor({ synthetic: 10 }) });
    await flush();
    expect(screen.getByText('No deletions match these filters.')).toBeTruthy();
  });

  it('reports a log that cannot be read, with a retry', async () => {
    const api = new FakeMonitor({ synthetic: 10 });
    api.failNext('queryDeletions', 'STORE_UNAVAILABLE', 'the log cannot be read');
    renderWith(<Harness />, { api });
    await flush();
    expect(screen.getByRole('alert').textContent).toContain('the log cannot be read');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(bodyRows()[0]!.dataset.id).toBe('rec-10');
  });
});

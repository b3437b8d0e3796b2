import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Activity, ActivityQuery, DeletionQuery } from '../../../electron/core/contract';
import { BASE_TIME, FakeMonitor, makeRecord } from '../helpers/fake-monitor';
import { flush, renderApp } from '../helpers/render';

/** jsdom has no canvas: a stand-in for uPlot that keeps what the chart asked for and lets a test click a bar. */
const charts = vi.hoisted(() => [] as { options: { series: unknown[] }; data: number[][]; over: HTMLElement; cursor: { idx: number | null; top: number }; y: number; destroyed: boolean }[]);
vi.mock('uplot', () => {
  class FakePlot {
    over: HTMLElement;
    cursor = { idx: null as number | null, top: 0 };
    y = 0;
    destroyed = false;
    static paths = { bars: () => () => null };
    constructor(
      readonly options: { series: unknown[] },
      readonly data: number[][],
      target: HTMLElement,
    ) {
      this.over = document.createElement('div');
      target.appendChild(this.over);
      charts.push(this as never);
    }
    posToVal(): number {
      return this.y;
    }
    destroy(): void {
      this.destroyed = true;
      this.over.remove();
    }
  }
  return { default: FakePlot };
});

const HOUR = 3_600_000;

/** 3 days of deletions: deals, leads and contacts by a few users on two portals. */
function api(): FakeMonitor {
  const records = Array.from({ length: 40 }, (_, i) =>
    makeRecord(i + 1, {
      receivedAt: BASE_TIME + i * 2 * HOUR + 60_000,
      entityTypeId: [2, 2, 1, 3][i % 4]!,
      portal: i % 5 === 0 ? 'beta.bitrix24.ru' : 'alpha.bitrix24.com',
      userId: i % 3 === 0 ? null : 7 + (i % 2),
      ...(i % 3 === 1 && { userName: 'Ivan Petrov' }),
    }),
  );
  return new FakeMonitor({ records });
}

async function openActivity(monitor: FakeMonitor): Promise<Activity> {
  await renderApp(monitor);
  await userEvent.setup().click(screen.getByRole('button', { name: 'Activity' }));
  await flush();
  const query = monitor.callsOf('getActivity').at(-1)![0] as ActivityQuery;
  return monitor.getActivity(query);
}

describe('activity view', () => {
  it('asks the core for the filter in this browser’s time zone and shows its numbers in a table, users and portals', async () => {
    const monitor = api();
    const activity = await openActivity(monitor);
    const query = monitor.callsOf('getActivity')[0]![0] as ActivityQuery;
    expect(query.filter).toEqual({});
    expect(query.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(activity.granularity).toBe('day');

    expect(screen.getByTestId('activity-total').textContent).toBe('40 deletions');
    const table = screen.getByTestId('activity-table');
    const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    expect(headers).toEqual(['Day', 'Deal', 'Lead', 'Contact', 'Total']);
    const rows = [...table.querySelectorAll('tbody tr')];
    const nonEmpty = activity.buckets.filter((b) => b.total > 0);
    expect(rows).toHaveLength(nonEmpty.length);
    rows.forEach((row, i) => {
      const cells = [...row.querySelectorAll('td')].map((td) => Number(td.textContent));
      expect(cells).toEqual([...nonEmpty[i]!.counts, nonEmpty[i]!.total]);
      expect(Number(row.getAttribute('data-start'))).toBe(nonEmpty[i]!.start);
    });

    const users = [...screen.getByTestId('activity-users').querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect(users).toEqual(activity.topUsers.map((u) => [u.userName ?? (u.userId === null ? 'automation / not named' : `user ${u.userId}`), u.portal, String(u.count)]));
    expect(users.some(([who]) => who === 'Ivan Petrov')).toBe(true);
    const portals = [...screen.getByTestId('activity-portals').querySelectorAll('tbody tr')].map((tr) => tr.textContent);
    expect(portals).toEqual(activity.topPortals.map((p) => `${p.portal}${p.count}`));

    // The chart: one stacked series per type (running totals), labelled for screen readers.
    const chart = charts.at(-1)!;
    expect(chart.data[0]).toHaveLength(activity.buckets.length);
    expect(chart.data[1]).toEqual(activity.buckets.map((b) => b.total));
    expect(screen.getByRole('img', { name: /Deletions per day, by entity type: 40 deletions/ })).toBeTruthy();
  });

  it('a click on a bar opens the log filtered to that day and type; a row of the table does the same', async () => {
    const user = userEvent.setup();
    const monitor = api();
    const activity = await openActivity(monitor);
    const chart = charts.at(-1)!;
    const day = activity.buckets.findIndex((b) => b.counts[1]! > 0);
    const b = activity.buckets[day]!;
    // The pointer on the second segment from the bottom (leads).
    chart.cursor.idx = day;
    chart.y = b.counts[0]! + 0.5;
    act(() => chart.over.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    await flush();
    expect(document.querySelector('main')!.getAttribute('data-view')).toBe('log');
    const last = monitor.callsOf('queryDeletions').at(-1)![0] as DeletionQuery;
    expect(last.filter).toEqual({ entityTypeId: activity.entityTypeIds[1], from: b.start, to: b.end });
    expect(screen.getByText(`${b.counts[1]} deletion${b.counts[1] === 1 ? '' : 's'}`)).toBeTruthy();

    // Back to the activity: it follows the log's filter; clear it, then pick a whole day from the table.
    await user.click(screen.getByRole('button', { name: 'Activity' }));
    await flush();
    expect((monitor.callsOf('getActivity').at(-1)![0] as ActivityQuery).filter).toEqual(last.filter);
    await user.click(within(screen.getByRole('search')).getByRole('button', { name: 'Clear filters' }));
    await flush();
    const again = await monitor.getActivity({ filter: {} });
    const first = again.buckets.find((x) => x.total > 0)!;
    const row = screen.getByTestId('activity-table').querySelector(`tr[data-start="${first.start}"]`) as HTMLElement;
    await user.click(within(row).getByRole('button', { name: new RegExp(`^Show the ${first.total} deletions of .* in the log$`) }));
    await flush();
    expect((monitor.callsOf('queryDeletions').at(-1)![0] as DeletionQuery).filter).toEqual({ from: first.start, to: first.end });
  });

  it('hours for a short range, and new matching deletions ask again', async () => {
    const monitor = api();
    await renderApp(monitor);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Activity' }));
    await flush();
    const asked = monitor.callsOf('getActivity').length;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      act(() => void monitor.addDeletions(2, () => ({ receivedAt: BASE_TIME + 10 * HOUR })));
      await act(async () => void vi.advanceTimersByTime(1100));
    } finally {
      vi.useRealTimers();
    }
    await flush();
    expect(monitor.callsOf('getActivity').length).toBe(asked + 1);
    expect(screen.getByTestId('activity-total').textContent).toBe('42 deletions');
    const short = await monitor.getActivity({ filter: { from: BASE_TIME, to: BASE_TIME + 2 * 86_400_000 } });
    expect(short.granularity).toBe('hour');
  });
});

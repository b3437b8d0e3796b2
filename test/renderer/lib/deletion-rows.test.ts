import { describe, expect, it, vi } from 'vitest';
import { DeletionRows, PAGE_SIZE } from '../../../renderer/src/lib/deletion-rows';
import { FakeMonitor, makeRecord } from '../helpers/fake-monitor';

function rowsOver(api: FakeMonitor, filter = {}) {
  return new DeletionRows((q) => api.queryDeletions(q), filter);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('DeletionRows', () => {
  it('loads the count and the newest page first, newest at index 0', async () => {
    const api = new FakeMonitor({ synthetic: 1_000_000 });
    const rows = rowsOver(api);
    await rows.start();
    expect(rows.getSnapshot()).toMatchObject({ total: 1_000_000, ready: true });
    expect(api.callsOf('queryDeletions')).toEqual([[{ filter: {}, offset: 0, limit: PAGE_SIZE }]]);
    expect(rows.rowAt(0)?.seq).toBe(1_000_000);
    expect(rows.rowAt(PAGE_SIZE - 1)?.seq).toBe(1_000_000 - PAGE_SIZE + 1);
    expect(rows.rowAt(PAGE_SIZE)).toBeUndefined();
  });

  it('fetches only the pages around the requested range, and the rows land at the right index', async () => {
    const api = new FakeMonitor({ synthetic: 1_000_000 });
    const rows = rowsOver(api);
    await rows.start();
    rows.need(500_000, 500_020);
    await settle();
    const offsets = api.callsOf('queryDeletions').slice(1).map(([q]) => (q as { offset: number }).offset);
    expect(offsets.length).toBeLessThanOrEqual(3);
    for (const index of [500_000, 500_010, 500_020]) expect(rows.rowAt(index)?.seq).toBe(1_000_000 - index);
    expect(rows.cachedRows).toBeLessThan(1000);
  });

  it('drops far pages once many are cached', async () => {
    const api = new FakeMonitor({ synthetic: 1_000_000 });
    const rows = rowsOver(api);
    await rows.start();
    for (let i = 0; i < 60; i++) {
      rows.need(i * 10_000, i * 10_000 + 30);
      await settle();
    }
    expect(rows.cachedRows).toBeLessThanOrEqual(24 * PAGE_SIZE + PAGE_SIZE * 3);
    expect(rows.rowAt(590_000)?.seq).toBe(410_000);
  });

  it('puts pushed rows on top without moving the positions of loaded rows', async () => {
    const api = new FakeMonitor({ synthetic: 1000 });
    const rows = rowsOver(api);
    await rows.start();
    const keyBefore = rows.keyAt(5);
    const recordBefore = rows.rowAt(5);
    const added = api.store(3);
    expect(rows.push(added)).toBe(3);
    expect(rows.getSnapshot().total).toBe(1003);
    expect(rows.rowAt(0)).toEqual(added[2]);
    expect(rows.rowAt(2)).toEqual(added[0]);
    expect(rows.rowAt(8)).toEqual(recordBefore); // same record, 3 rows further down
    expect(rows.keyAt(8)).toBe(keyBefore); // and the same key
    expect(rows.isFresh(0)).toBe(true);
    expect(rows.isFresh(8)).toBe(false);
  });

  it('counts only pushed rows that match the filter', async () => {
    const api = new FakeMonitor({ synthetic: 60 });
    const rows = rowsOver(api, { portal: 'Beta.Bitrix24.ru' });
    await rows.start();
    expect(rows.getSnapshot().total).toBe(20);
    const pushed = api.store(6); // seq 61..66: 63 and 66 are on beta
    expect(rows.push(pushed)).toBe(2);
    expect(rows.rowAt(0)?.seq).toBe(66);
    expect(rows.rowAt(1)?.seq).toBe(63);
  });

  it('does not count twice a push that arrives after an answer that already held it', async () => {
    const api = new FakeMonitor({ synthetic: 10 });
    const rows = rowsOver(api);
    const early = api.store(2); // stored before the query runs, pushed after its answer
    await rows.start();
    expect(rows.getSnapshot().total).toBe(12);
    expect(rows.push(early)).toBe(0);
    expect(rows.getSnapshot().total).toBe(12);
  });

  it('keeps pushes that arrive before the first answer', async () => {
    const api = new FakeMonitor({ synthetic: 10 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The answer is computed at once (10 rows) but delivered late, after two pushes.
    const rows = new DeletionRows(async (q) => {
      const answer = await api.queryDeletions(q);
      await gate;
      return answer;
    }, {});
    const starting = rows.start();
    await settle();
    rows.push(api.store(2));
    expect(rows.getSnapshot().ready).toBe(false);
    open();
    await starting;
    expect(rows.getSnapshot().total).toBe(12);
    expect(rows.rowAt(0)?.seq).toBe(12);
    expect(rows.rowAt(2)?.seq).toBe(10);
  });

  it('repairs the count when pushes were lost, after a second look', async () => {
    vi.useFakeTimers();
    try {
      const api = new FakeMonitor({ synthetic: 100 });
      const rows = rowsOver(api);
      await rows.start();
      api.store(5); // stored, never pushed
      await rows.headCheck();
      expect(rows.getSnapshot().total).toBe(100); // maybe in flight: wait
      await vi.advanceTimersByTimeAsync(1600);
      expect(rows.getSnapshot().total).toBe(105);
      expect(rows.rowAt(0)?.seq).toBe(105);
      expect(rows.rowAt(5)?.seq).toBe(100);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reloads positions when old rows went away (retention)', async () => {
    const api = new FakeMonitor({ records: Array.from({ length: 50 }, (_, i) => makeRecord(i + 1)) });
    const rows = rowsOver(api);
    await rows.start();
    // Retention removes the 10 oldest.
    (api as unknown as { extra: unknown[] }).extra.splice(0, 10);
    await rows.headCheck();
    expect(rows.getSnapshot().total).toBe(40);
    rows.need(0, 39);
    await settle();
    expect(rows.rowAt(39)?.seq).toBe(11);
  });

  it('ignores answers that arrive after dispose', async () => {
    const api = new FakeMonitor({ synthetic: 10 });
    api.hold('queryDeletions');
    const rows = rowsOver(api);
    const starting = rows.start();
    rows.dispose();
    api.release('queryDeletions');
    await starting;
    expect(rows.getSnapshot().ready).toBe(false);
  });
});

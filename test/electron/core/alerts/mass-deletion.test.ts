import { describe, expect, it } from 'vitest';
import type { DeletionRecord } from '../../../../electron/core/contract.js';
import { MassDeletionWatch } from '../../../../electron/core/alerts/mass-deletion.js';
import { makeRecord } from '../../../helpers/records.js';

const T0 = Date.UTC(2026, 11, 4, 10, 0, 0);
let seq = 0;
function deletion(second: number, overrides: Partial<DeletionRecord> = {}): DeletionRecord {
  seq++;
  return { ...makeRecord(seq, { sentAt: T0 + second * 1000, userId: 7, byUser: true }), seq, ...overrides };
}
const rule = { enabled: true, threshold: 20, windowMinutes: 10 };

describe('mass-deletion alerts', () => {
  it('raises one alert for 25 deletions by one user in 2 minutes, growing with the burst', () => {
    const watch = new MassDeletionWatch(rule);
    const burst = Array.from({ length: 25 }, (_, i) => deletion(i * 5));
    const opened: unknown[] = [];
    let grown = 0;
    for (const r of burst) {
      const result = watch.add([r], T0);
      opened.push(...result.opened);
      grown += result.grown.length;
    }
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ portal: 'some-domain.bitrix24.com', userId: 7, count: 25, firstAt: T0, lastAt: T0 + 120_000, threshold: 20, windowMinutes: 10 });
    expect(grown).toBe(5); // the 21st..25th deletion grew the open alert
  });

  it('raises nothing for 19 deletions, nor for 25 spread over more than the window, nor when turned off', () => {
    const nineteen = new MassDeletionWatch(rule);
    expect(nineteen.add(Array.from({ length: 19 }, (_, i) => deletion(i))).opened).toEqual([]);
    const slow = new MassDeletionWatch(rule);
    expect(slow.add(Array.from({ length: 25 }, (_, i) => deletion(i * 40))).opened).toEqual([]); // 16 min apart in all, ≤15 in any 10 min
    const off = new MassDeletionWatch({ ...rule, enabled: false });
    expect(off.add(Array.from({ length: 30 }, (_, i) => deletion(i))).opened).toEqual([]);
  });

  it('counts users, automation and portals apart; late rows in any order still make a burst', () => {
    const watch = new MassDeletionWatch(rule);
    const mixed = Array.from({ length: 30 }, (_, i) => deletion(i, { userId: i % 2 ? 7 : 8 }));
    expect(watch.add(mixed).opened).toEqual([]); // 15 each
    const automation = Array.from({ length: 20 }, (_, i) => deletion(i, { userId: null, byUser: false, portal: 'nord.bitrix24.de' }));
    const late = [...automation].reverse(); // drained from the offline queue, newest first
    const { opened } = watch.add(late);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ portal: 'nord.bitrix24.de', userId: null, count: 20, firstAt: T0, lastAt: T0 + 19_000 });
  });

  it('after a quiet window, the same user starts a new burst (and a new alert)', () => {
    const watch = new MassDeletionWatch(rule);
    expect(watch.add(Array.from({ length: 20 }, (_, i) => deletion(i))).opened).toHaveLength(1);
    expect(watch.add(Array.from({ length: 20 }, (_, i) => deletion(30 + i))).opened).toHaveLength(0); // same burst
    expect(watch.add(Array.from({ length: 20 }, (_, i) => deletion(30 + 11 * 60 + i))).opened).toHaveLength(1);
  });

  it('judges a portal by its own rule where it has one, and the others by the common rule', () => {
    const watch = new MassDeletionWatch({
      ...rule,
      perPortal: { 'quiet.bitrix24.com': { enabled: true, threshold: 5, windowMinutes: 1 }, 'busy.bitrix24.com': { enabled: false, threshold: 20, windowMinutes: 10 } },
    });
    const quiet = watch.add(Array.from({ length: 5 }, (_, i) => deletion(i, { portal: 'quiet.bitrix24.com' })));
    expect(quiet.opened).toHaveLength(1);
    expect(quiet.opened[0]).toMatchObject({ portal: 'quiet.bitrix24.com', count: 5, threshold: 5, windowMinutes: 1 });
    expect(watch.add(Array.from({ length: 40 }, (_, i) => deletion(i, { portal: 'busy.bitrix24.com' }))).opened).toEqual([]);
    expect(watch.add(Array.from({ length: 19 }, (_, i) => deletion(i, { portal: 'other.bitrix24.com' }))).opened).toEqual([]);
    expect(watch.add([deletion(20, { portal: 'other.bitrix24.com' })]).opened[0]).toMatchObject({ count: 20, threshold: 20 });
    // Five deletions spread over two minutes are no burst under a one-minute rule.
    const spread = new MassDeletionWatch({ ...rule, perPortal: { 'quiet.bitrix24.com': { enabled: true, threshold: 5, windowMinutes: 1 } } });
    expect(spread.add(Array.from({ length: 5 }, (_, i) => deletion(i * 30, { portal: 'quiet.bitrix24.com' }))).opened).toEqual([]);
  });

  it('keeps no times while the alert of a burst is open (a long burst costs no memory a deletion)', () => {
    const watch = new MassDeletionWatch(rule);
    const result = watch.add(Array.from({ length: 5000 }, (_, i) => deletion(i / 100)));
    expect(result.opened).toHaveLength(1);
    expect(result.opened[0]!.count).toBe(5000);
    const tracks = (watch as unknown as { tracks: Map<string, Map<number | null, { times: number[] }>> }).tracks;
    const times = [...tracks.values()].flatMap((byUser) => [...byUser.values()].map((t) => t.times.length));
    expect(times).toEqual([0]);
  });
});

import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SELF_TEST_PORTAL, type Activity, type DeletionFilter, type DeletionRecord } from '../../../../electron/core/contract.js';
import { computeActivity } from '../../../../electron/core/activity/activity.js';
import { bucketEdges } from '../../../../electron/core/activity/local-time.js';
import { DeletionStore } from '../../../../electron/core/store/deletion-store.js';
import { matches } from '../../../../electron/core/store/segment-info.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { makeRecord } from '../../../helpers/records.js';

const START = Date.UTC(2026, 2, 20, 5, 7, 13); // spans the European DST change of 2026-03-29
const PORTALS = ['a.bitrix24.com', 'b.bitrix24.ru', SELF_TEST_PORTAL];
const KINDS = [
  { event: 'ONCRMDEALDELETE', entityTypeId: 2 },
  { event: 'ONCRMLEADDELETE', entityTypeId: 1 },
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 1220 },
  { event: 'ONCRMDYNAMICITEMDELETE', entityTypeId: 31 },
];

/** A pseudo-random but fixed history: 600 deletions over 14 days, several portals, types and users. */
function history(n = 600) {
  let seed = 42;
  const rand = (m: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % m;
  };
  let at = START;
  return Array.from({ length: n }, (_, i) => {
    at += rand(2_000_000) + (rand(10) === 0 ? 20_000_000 : 0);
    const kind = KINDS[rand(KINDS.length)]!;
    const userId = rand(4) === 0 ? null : 1 + rand(6);
    return makeRecord(i + 1, { ...kind, portal: PORTALS[rand(PORTALS.length)]!, receivedAt: at, sentAt: Math.floor(at / 1000) * 1000 - 1000, userId, byUser: userId !== null });
  });
}

async function allRecords(store: DeletionStore): Promise<DeletionRecord[]> {
  const out: DeletionRecord[] = [];
  for await (const chunk of store.scan({ includeTests: true })) out.push(...chunk);
  return out;
}

/** The same numbers counted row by row, in the buckets the activity chose. */
function fromScratch(records: DeletionRecord[], filter: DeletionFilter, activity: Activity) {
  const rows = records.filter((r) => matches(r, filter));
  const buckets = activity.buckets.map((b) => activity.entityTypeIds.map((type) => rows.filter((r) => r.entityTypeId === type && r.receivedAt >= b.start && r.receivedAt < b.end).length));
  const users = new Map<string, number>();
  const portals = new Map<string, number>();
  for (const r of rows) {
    users.set(`${r.portal} ${r.userId}`, (users.get(`${r.portal} ${r.userId}`) ?? 0) + 1);
    portals.set(r.portal, (portals.get(r.portal) ?? 0) + 1);
  }
  return { total: rows.length, buckets, users, portals, types: new Set(rows.map((r) => r.entityTypeId)) };
}

function expectSame(activity: Activity, records: DeletionRecord[], filter: DeletionFilter): void {
  const truth = fromScratch(records, filter, activity);
  expect(activity.total).toBe(truth.total);
  expect(new Set(activity.entityTypeIds)).toEqual(truth.types);
  expect(activity.buckets.map((b) => b.counts)).toEqual(truth.buckets);
  expect(activity.buckets.reduce((a, b) => a + b.total, 0)).toBe(truth.total);
  for (const u of activity.topUsers) expect(u.count).toBe(truth.users.get(`${u.portal} ${u.userId}`));
  expect(activity.topUsers.length).toBe(Math.min(10, truth.users.size));
  expect(Math.min(...activity.topUsers.map((u) => u.count))).toBeGreaterThanOrEqual(Math.max(0, ...[...truth.users.values()].sort((a, b) => b - a).slice(10)));
  expect(new Map(activity.topPortals.map((p) => [p.portal, p.count]))).toEqual(truth.portals);
  for (let i = 1; i < activity.buckets.length; i++) expect(activity.buckets[i]!.start).toBe(activity.buckets[i - 1]!.end);
}

const FILTERS: DeletionFilter[] = [
  {},
  { includeTests: true },
  { portal: 'a.bitrix24.com' },
  { entityTypeId: 2 },
  { event: 'ONCRMDYNAMICITEMDELETE', portal: 'b.bitrix24.ru' },
  { from: START + 3 * 86_400_000 + 123_457, to: START + 9 * 86_400_000 - 98_765 }, // edges inside quarter hours
  { from: START + 2 * 86_400_000 + 1_000, to: START + 4 * 86_400_000 }, // two days: hourly
  { from: START + 86_400_000 + 17_000, to: START + 86_400_000 + 300_000 }, // inside one quarter hour
  { itemId: 321 },
  { from: START + 5 * 86_400_000 }, // open end
];

describe('activity (tallies per quarter hour, joined over segments)', () => {
  it('equals a count of the rows for every filter, across sealed, sealing and open segments, in several time zones', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 64, fsync: false });
    await Promise.all(history().map((r) => store.add(r)));
    await store.flush();
    const records = await allRecords(store);
    expect(records).toHaveLength(600);
    for (const timeZone of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York']) {
      for (const filter of FILTERS) {
        const activity = await computeActivity(store, { filter, timeZone });
        expectSame(activity, records, filter);
      }
    }
    await store.close();
  });

  it('draws hours for three days or less and days beyond, local days starting at local midnight', async () => {
    const store = await DeletionStore.open({ dir: tempDir(), segmentSize: 64, fsync: false });
    await Promise.all(history().map((r) => store.add(r)));
    await store.flush();
    const hourly = await computeActivity(store, { filter: { from: START, to: START + 3 * 86_400_000 }, timeZone: 'UTC' });
    expect(hourly.granularity).toBe('hour');
    expect(hourly.buckets[0]!.start).toBe(Date.UTC(2026, 2, 20, 5));
    expect(hourly.buckets).toHaveLength(73);
    const daily = await computeActivity(store, { filter: {}, timeZone: 'Asia/Kolkata' });
    expect(daily.granularity).toBe('day');
    expect(daily.buckets[0]!.start).toBe(Date.UTC(2026, 2, 19, 18, 30));
    // Berlin's day of the clock change is 23 hours long.
    const berlin = await computeActivity(store, { filter: {}, timeZone: 'Europe/Berlin' });
    const change = berlin.buckets.find((b) => b.start === Date.UTC(2026, 2, 28, 23))!;
    expect(change.end - change.start).toBe(23 * 3_600_000);
    await store.close();
  });

  it('survives a restart: tallies are read back (or rebuilt when missing or damaged) and match a from-scratch count', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 64, fsync: false });
    await Promise.all(history().map((r) => store.add(r)));
    await store.close();
    const tallies = readdirSync(dir).filter((n) => n.endsWith('.tally'));
    expect(tallies).toHaveLength(9); // 600 = 9 sealed segments of 64 + 24 in the journal

    const reopened = await DeletionStore.open({ dir, segmentSize: 64, fsync: false });
    const records = await allRecords(reopened);
    const before = await Promise.all(FILTERS.map((filter) => computeActivity(reopened, { filter, timeZone: 'Europe/Moscow' })));
    FILTERS.forEach((filter, i) => expectSame(before[i]!, records, filter));
    await reopened.close();

    rmSync(path.join(dir, tallies[0]!));
    writeFileSync(path.join(dir, tallies[1]!), '{"format":1,"combos":[],"slots":[1],"combo":[0],"counts":[5]}');
    writeFileSync(path.join(dir, tallies[2]!), 'not json');
    const third = await DeletionStore.open({ dir, segmentSize: 64, fsync: false });
    const after = await Promise.all(FILTERS.map((filter) => computeActivity(third, { filter, timeZone: 'Europe/Moscow' })));
    expect(after).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tally'))).toHaveLength(9);
    await third.close();
  });

  it('follows new deletions and retention', async () => {
    const store = await DeletionStore.open({ dir: tempDir(), segmentSize: 64, fsync: false });
    const all = history();
    await Promise.all(all.slice(0, 300).map((r) => store.add(r)));
    expect((await computeActivity(store, { filter: { includeTests: true } })).total).toBe(300);
    await Promise.all(all.slice(300).map((r) => store.add(r)));
    expect((await computeActivity(store, { filter: { includeTests: true } })).total).toBe(600);
    await store.flush();
    const removed = await store.applyRetention(7, all[599]!.receivedAt);
    expect(removed).toBeGreaterThan(0);
    const left = await allRecords(store);
    const activity = await computeActivity(store, { filter: { includeTests: true }, timeZone: 'UTC' });
    expectSame(activity, left, { includeTests: true });
    await store.close();
  });

  it('a range far wider than the data is cut to it (no billions of empty days), and one with no data is empty', async () => {
    const store = await DeletionStore.open({ dir: tempDir(), segmentSize: 64, fsync: false });
    await Promise.all(history().map((r) => store.add(r)));
    const records = await allRecords(store);
    const filter = { from: 0, to: 8_640_000_000_000_000 };
    const started = performance.now();
    const wide = await computeActivity(store, { filter, timeZone: 'UTC' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(wide.buckets.length).toBeLessThan(40);
    expectSame(wide, records, filter);
    const none = await computeActivity(store, { filter: { from: 0, to: 8_640_000_000_000_000, portal: 'nowhere.bitrix24.com' } });
    expect(none).toMatchObject({ total: 0, buckets: [] });
    await store.close();
  });

  it('bucket edges: local hours and days of a zone', () => {
    expect(bucketEdges(Date.UTC(2026, 0, 1, 10, 20), Date.UTC(2026, 0, 1, 12, 0), 'hour', 'Asia/Kolkata')).toEqual([
      Date.UTC(2026, 0, 1, 9, 30),
      Date.UTC(2026, 0, 1, 10, 30),
      Date.UTC(2026, 0, 1, 11, 30),
      Date.UTC(2026, 0, 1, 12, 30),
    ]);
    expect(bucketEdges(Date.UTC(2026, 9, 24, 12), Date.UTC(2026, 9, 26, 12), 'day', 'Europe/Berlin')).toEqual([
      Date.UTC(2026, 9, 23, 22),
      Date.UTC(2026, 9, 24, 22),
      Date.UTC(2026, 9, 25, 23), // 25 October is 25 hours long
      Date.UTC(2026, 9, 26, 23),
    ]);
  });
});

/**
 * The activity view's numbers: deletions matching a filter per local day (or hour, for three days or
 * less) stacked by entity type, and the busiest users and portals. Added up from the sealed segments'
 * tallies (segment-tally.ts: counts per quarter hour and combination) plus the few records not sealed
 * yet, so a call's cost follows the distinct (quarter hour, combination) pairs, not the rows. The parts
 * a tally cannot cut exactly (a range edge inside a quarter hour, an item id) are read from the store.
 */
import type { Activity, ActivityQuery, DeletionRecord } from '../contract.js';
import { SELF_TEST_PORTAL } from '../contract.js';
import type { DeletionStore } from '../store/deletion-store.js';
import { matches, type StoreFilter } from '../store/segment-info.js';
import { SLOT_MS, type TallyCombo } from '../store/segment-tally.js';
import { bucketEdges, systemTimeZone } from './local-time.js';

/** Ranges up to this long are drawn by the hour. */
export const HOURLY_UP_TO_MS = 3 * 86_400_000;
/** A range of more days than this (an open end far from the data) is cut to the days with deletions. */
const MAX_DAYS = 3700;
const TOP = 10;

type Source = { combos: TallyCombo[]; slots: Int32Array; combo: Int32Array; counts: Int32Array };

/** Adds deletions into buckets, types, users and portals. */
class Accumulator {
  private readonly typeIndex = new Map<number, number>();
  readonly typeIds: number[] = [];
  readonly matrix: Float64Array[] = [];
  readonly users = new Map<string, { portal: string; userId: number | null; count: number }>();
  readonly portals = new Map<string, number>();

  constructor(readonly edges: number[]) {}

  get buckets(): number {
    return this.edges.length - 1;
  }

  typeRow(entityTypeId: number): Float64Array {
    let i = this.typeIndex.get(entityTypeId);
    if (i === undefined) {
      i = this.typeIds.length;
      this.typeIndex.set(entityTypeId, i);
      this.typeIds.push(entityTypeId);
      this.matrix.push(new Float64Array(this.buckets));
    }
    return this.matrix[i]!;
  }

  /** The bucket holding an instant, or -1 outside the edges. */
  bucketOf(ms: number): number {
    const e = this.edges;
    if (ms < e[0]! || ms >= e[e.length - 1]!) return -1;
    let lo = 0;
    let hi = e.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (e[mid]! <= ms) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  who(portal: string, userId: number | null, n: number): void {
    const key = `${portal}\u0000${userId ?? ''}`;
    const user = this.users.get(key);
    if (user) user.count += n;
    else this.users.set(key, { portal, userId, count: n });
    this.portals.set(portal, (this.portals.get(portal) ?? 0) + n);
  }

  record(r: DeletionRecord): void {
    const b = this.bucketOf(r.receivedAt);
    if (b < 0) return;
    this.typeRow(r.entityTypeId)[b]!++;
    this.who(r.portal, r.userId, 1);
  }

  /** A tally's entries of matching combinations in slots [slotFrom, slotTo). */
  tally(t: Source, wanted: Uint8Array, slotFrom: number, slotTo: number): void {
    const perCombo = new Float64Array(t.combos.length);
    const rows = t.combos.map((c, i) => (wanted[i] ? this.typeRow(c.entityTypeId) : null));
    let lastSlot = NaN;
    let bucket = -1;
    for (let i = 0; i < t.slots.length; i++) {
      const c = t.combo[i]!;
      if (!wanted[c]) continue;
      const s = t.slots[i]!;
      if (s < slotFrom || s >= slotTo) continue;
      if (s !== lastSlot) {
        lastSlot = s;
        bucket = this.bucketOf(s * SLOT_MS);
      }
      if (bucket < 0) continue;
      const n = t.counts[i]!;
      rows[c]![bucket]! += n;
      perCombo[c]! += n;
    }
    for (let c = 0; c < perCombo.length; c++) if (perCombo[c]! > 0) this.who(t.combos[c]!.portal, t.combos[c]!.userId, perCombo[c]!);
  }
}

function comboWanted(c: TallyCombo, f: StoreFilter): boolean {
  return (
    (f.includeTests === true || c.portal !== SELF_TEST_PORTAL) &&
    (f.event === undefined || c.event === f.event) &&
    (f.entityTypeId === undefined || c.entityTypeId === f.entityTypeId) &&
    (f.portal === undefined || c.portal === f.portal)
  );
}

async function scanned(store: DeletionStore, filter: StoreFilter): Promise<DeletionRecord[]> {
  const out: DeletionRecord[] = [];
  for await (const chunk of store.scan(filter)) for (const r of chunk) out.push(r);
  return out;
}

/** The activity of the deletions matching `query.filter`, counted in `query.timeZone` (the core's by default). */
export async function computeActivity(store: DeletionStore, query: ActivityQuery): Promise<Activity> {
  const f: StoreFilter = query.filter;
  const timeZone = query.timeZone ?? systemTimeZone();
  // Whole quarter hours inside the filter's range come from tallies; the cut quarter hours at its ends
  // (and everything, for an item id) from the records themselves.
  const slotFrom = f.from === undefined ? -Infinity : Math.ceil(f.from / SLOT_MS);
  const slotTo = f.to === undefined ? Infinity : Math.floor(f.to / SLOT_MS);
  const exact: DeletionRecord[] = [];
  let sealed: { tally: Source; wanted: Uint8Array; minReceivedAt: number; maxReceivedAt: number }[] = [];
  let unsealed: DeletionRecord[][] = [];
  if (f.itemId !== undefined || slotFrom >= slotTo) {
    exact.push(...(await scanned(store, f)));
  } else {
    const sources = await store.activitySources();
    sealed = sources.sealed
      .filter(({ info }) => info.maxReceivedAt >= slotFrom * SLOT_MS && info.minReceivedAt < slotTo * SLOT_MS)
      .map(({ info, tally }) => ({ tally, wanted: Uint8Array.from(tally.combos, (c) => (comboWanted(c, f) ? 1 : 0)), minReceivedAt: info.minReceivedAt, maxReceivedAt: info.maxReceivedAt }));
    unsealed = sources.unsealed;
    if (f.from !== undefined && f.from < slotFrom * SLOT_MS) exact.push(...(await scanned(store, { ...f, to: slotFrom * SLOT_MS })));
    if (f.to !== undefined && slotTo * SLOT_MS < f.to) exact.push(...(await scanned(store, { ...f, from: slotTo * SLOT_MS })));
  }
  const inner: StoreFilter = { ...f, from: Number.isFinite(slotFrom) ? slotFrom * SLOT_MS : undefined, to: Number.isFinite(slotTo) ? slotTo * SLOT_MS : undefined };

  // Pass 1: where the matching deletions are, for a range the filter leaves open.
  let first = Infinity;
  let last = -Infinity;
  const see = (from: number, to: number): void => {
    if (from < first) first = from;
    if (to > last) last = to;
  };
  for (const r of exact) see(r.receivedAt, r.receivedAt + 1);
  for (const records of unsealed) for (const r of records) if (matches(r, inner)) see(r.receivedAt, r.receivedAt + 1);
  for (const { tally, wanted } of sealed) {
    for (let i = 0; i < tally.slots.length; i++) {
      const s = tally.slots[i]!;
      if (wanted[tally.combo[i]!] && s >= slotFrom && s < slotTo) see(s * SLOT_MS, (s + 1) * SLOT_MS);
    }
  }
  const empty: Activity = { granularity: 'day', from: f.from ?? null, to: f.to ?? null, entityTypeIds: [], typeTotals: [], buckets: [], total: 0, topUsers: [], topPortals: [], timeZone };
  if (first === Infinity) return empty;
  let from = f.from ?? first;
  let to = f.to ?? last;
  if ((to - from) / 86_400_000 > MAX_DAYS) {
    // A range far wider than the data (`from: 0`): the days with deletions; and at most MAX_DAYS of them.
    from = Math.max(from, first);
    to = Math.min(to, last);
    from = Math.max(from, to - MAX_DAYS * 86_400_000);
  }
  if (to <= from) return empty;
  const granularity = to - from <= HOURLY_UP_TO_MS ? 'hour' : 'day';
  const acc = new Accumulator(bucketEdges(from, to, granularity, timeZone));

  // Pass 2: count.
  for (const r of exact) acc.record(r);
  for (const records of unsealed) for (const r of records) if (matches(r, inner)) acc.record(r);
  for (const { tally, wanted } of sealed) acc.tally(tally, wanted, slotFrom, slotTo);

  const typeTotals = acc.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const order = acc.typeIds.map((_, i) => i).sort((a, b) => typeTotals[b]! - typeTotals[a]! || acc.typeIds[a]! - acc.typeIds[b]!);
  const buckets = [];
  for (let b = 0; b < acc.buckets; b++) {
    const counts = order.map((i) => acc.matrix[i]![b]!);
    buckets.push({ start: acc.edges[b]!, end: acc.edges[b + 1]!, counts, total: counts.reduce((a, c) => a + c, 0) });
  }
  const topUsers = [...acc.users.values()]
    .sort((a, b) => b.count - a.count || a.portal.localeCompare(b.portal) || (a.userId ?? -1) - (b.userId ?? -1))
    .slice(0, TOP);
  const topPortals = [...acc.portals]
    .map(([portal, count]) => ({ portal, count }))
    .sort((a, b) => b.count - a.count || a.portal.localeCompare(b.portal))
    .slice(0, TOP);
  return {
    granularity,
    from,
    to,
    entityTypeIds: order.map((i) => acc.typeIds[i]!),
    typeTotals: order.map((i) => typeTotals[i]!),
    buckets,
    total: typeTotals.reduce((a, b) => a + b, 0),
    topUsers,
    topPortals,
    timeZone,
  };
}

/**
 * What the store knows about a segment without reading it: counts, ranges and per-(event, type,
 * portal) tallies. Kept in the manifest so start-up and most counts never parse history.
 */
import { SELF_TEST_PORTAL, type DeletionFilter, type DeletionRecord } from '../contract.js';

/** A filter as the store takes it: the UI's, plus what only the core asks (deletions after a sequence number). */
export type StoreFilter = DeletionFilter & { afterSeq?: number };

export interface SegmentInfo {
  /** Segment number; file `seg-<n>.json`. */
  n: number;
  /** Size of the sealed file in bytes (0 while open), checked at start to notice damage. */
  bytes: number;
  count: number;
  minSeq: number;
  maxSeq: number;
  minReceivedAt: number;
  maxReceivedAt: number;
  minSentAt: number;
  maxSentAt: number;
  /** Count per `event \u0000 entityTypeId \u0000 portal`. */
  combos: Record<string, number>;
}

const SEP = '\u0000';

export function emptyInfo(n: number): SegmentInfo {
  return {
    n,
    bytes: 0,
    count: 0,
    minSeq: Infinity,
    maxSeq: -Infinity,
    minReceivedAt: Infinity,
    maxReceivedAt: -Infinity,
    minSentAt: Infinity,
    maxSentAt: -Infinity,
    combos: Object.create(null) as Record<string, number>,
  };
}

/** Adds one record to a segment's tallies. */
export function addToInfo(info: SegmentInfo, r: DeletionRecord): void {
  info.count++;
  if (r.seq < info.minSeq) info.minSeq = r.seq;
  if (r.seq > info.maxSeq) info.maxSeq = r.seq;
  if (r.receivedAt < info.minReceivedAt) info.minReceivedAt = r.receivedAt;
  if (r.receivedAt > info.maxReceivedAt) info.maxReceivedAt = r.receivedAt;
  if (r.sentAt < info.minSentAt) info.minSentAt = r.sentAt;
  if (r.sentAt > info.maxSentAt) info.maxSentAt = r.sentAt;
  const key = comboKey(r);
  info.combos[key] = (info.combos[key] ?? 0) + 1;
}

/** The last combination's key, kept: a burst is one portal's one event and type, record after record. */
let lastCombo = { event: '', entityTypeId: NaN, portal: '', key: '' };

function comboKey(r: DeletionRecord): string {
  const last = lastCombo;
  if (r.event === last.event && r.entityTypeId === last.entityTypeId && r.portal === last.portal) return last.key;
  const key = r.event + SEP + r.entityTypeId + SEP + r.portal;
  lastCombo = { event: r.event, entityTypeId: r.entityTypeId, portal: r.portal, key };
  return key;
}

export function infoOf(n: number, records: readonly DeletionRecord[]): SegmentInfo {
  const info = emptyInfo(n);
  for (const r of records) addToInfo(info, r);
  return info;
}

/** True when a record passes every part of the filter. Test deletions pass only when asked for. */
export function matches(r: DeletionRecord, f: StoreFilter): boolean {
  return (
    (f.includeTests === true || r.portal !== SELF_TEST_PORTAL) &&
    (f.afterSeq === undefined || r.seq > f.afterSeq) &&
    (f.event === undefined || r.event === f.event) &&
    (f.entityTypeId === undefined || r.entityTypeId === f.entityTypeId) &&
    (f.portal === undefined || r.portal === f.portal) &&
    (f.itemId === undefined || r.itemId === f.itemId) &&
    (f.from === undefined || r.receivedAt >= f.from) &&
    (f.to === undefined || r.receivedAt < f.to)
  );
}

/** True when the filter lets every record through (test deletions included). */
export function isEmptyFilter(f: StoreFilter): boolean {
  return f.includeTests === true && Object.entries(f).every(([k, v]) => k === 'includeTests' || v === undefined);
}

/**
 * Counts matches from the tallies alone, or returns null when the records must be read (an item id
 * filter, or a date range that cuts through the segment).
 */
export function countFromInfo(info: SegmentInfo, f: StoreFilter): number | null {
  if (info.count === 0) return 0;
  if (f.from !== undefined && info.maxReceivedAt < f.from) return 0;
  if (f.to !== undefined && info.minReceivedAt >= f.to) return 0;
  if (f.afterSeq !== undefined && info.maxSeq <= f.afterSeq) return 0;
  const cutByRange = (f.from !== undefined && info.minReceivedAt < f.from) || (f.to !== undefined && info.maxReceivedAt >= f.to);
  const cutBySeq = f.afterSeq !== undefined && info.minSeq <= f.afterSeq;
  if (cutByRange || cutBySeq || f.itemId !== undefined) return null;
  const withTests = f.includeTests === true;
  if (withTests && f.event === undefined && f.entityTypeId === undefined && f.portal === undefined) return info.count;
  let total = 0;
  for (const key in info.combos) {
    const [event, type, portal] = key.split(SEP);
    if (!withTests && portal === SELF_TEST_PORTAL) continue;
    if (f.event !== undefined && event !== f.event) continue;
    if (f.entityTypeId !== undefined && Number(type) !== f.entityTypeId) continue;
    if (f.portal !== undefined && portal !== f.portal) continue;
    total += info.combos[key]!;
  }
  return total;
}

/** Distinct values in the tallies, for filter pickers. */
export function facetsOf(infos: readonly SegmentInfo[]): { portals: string[]; events: string[]; entityTypeIds: number[] } {
  const portals = new Set<string>();
  const events = new Set<string>();
  const types = new Set<number>();
  for (const info of infos) {
    for (const key in info.combos) {
      const [event, type, portal] = key.split(SEP);
      // Test deletions are not offered as choices: they show only when asked for (includeTests).
      if (portal === SELF_TEST_PORTAL) continue;
      events.add(event!);
      types.add(Number(type));
      portals.add(portal!);
    }
  }
  return { portals: [...portals].sort(), events: [...events].sort(), entityTypeIds: [...types].sort((a, b) => a - b) };
}

/**
 * A sealed segment's activity tally: how many deletions each (portal, event, entity type, user) made in
 * each quarter of an hour. Built once when the segment is sealed (from the records already in memory),
 * written beside it as `seg-NNNNNN.tally`, and rebuilt from the segment when missing. The activity view
 * (`core/activity/`) adds these up instead of reading rows, so its cost follows the number of distinct
 * (quarter hour, combination) pairs, not the number of deletions.
 *
 * Quarter hours, not hours: local days and hours start on a quarter hour in every time zone in use
 * (India +5:30, Nepal +5:45), so any zone's days and hours are whole runs of slots.
 */
import type { DeletionRecord } from '../contract.js';

/** Length of one slot (15 minutes). */
export const SLOT_MS = 900_000;

/** Who and what one tally line counts. */
export interface TallyCombo {
  portal: string;
  event: string;
  entityTypeId: number;
  /** The acting user, or null (automation, or a webhook that named none). */
  userId: number | null;
  byUser: boolean;
}

/** In memory: parallel arrays sorted by slot; entry i counts `counts[i]` deletions of `combos[combo[i]]` in slot `slots[i]`. */
export interface SegmentTally {
  combos: TallyCombo[];
  slots: Int32Array;
  combo: Int32Array;
  counts: Int32Array;
}

/** On disk (JSON): combos as tuples, entries as three number arrays. */
export interface SegmentTallyFile {
  format: 1;
  combos: [portal: string, event: string, entityTypeId: number, userId: number | null, byUser: 0 | 1][];
  slots: number[];
  combo: number[];
  counts: number[];
}

const SEP = '\u0000';

/** The tally of a segment's records (any order). */
export function tallyOf(records: readonly DeletionRecord[]): SegmentTally {
  const comboIndex = new Map<string, number>();
  const combos: TallyCombo[] = [];
  const entries = new Map<number, number>(); // slot * 2^20 + combo → count (combos per segment < 2^20)
  let lastKey = '';
  let last: DeletionRecord | null = null;
  let lastCombo = -1;
  for (const r of records) {
    if (!(last && r.portal === last.portal && r.event === last.event && r.entityTypeId === last.entityTypeId && r.userId === last.userId && r.byUser === last.byUser)) {
      lastKey = r.portal + SEP + r.event + SEP + r.entityTypeId + SEP + r.userId + SEP + (r.byUser ? 1 : 0);
      let index = comboIndex.get(lastKey);
      if (index === undefined) {
        index = combos.length;
        comboIndex.set(lastKey, index);
        combos.push({ portal: r.portal, event: r.event, entityTypeId: r.entityTypeId, userId: r.userId, byUser: r.byUser });
      }
      lastCombo = index;
      last = r;
    }
    const key = Math.floor(r.receivedAt / SLOT_MS) * 1_048_576 + lastCombo;
    entries.set(key, (entries.get(key) ?? 0) + 1);
  }
  const keys = [...entries.keys()].sort((a, b) => a - b);
  const tally: SegmentTally = { combos, slots: new Int32Array(keys.length), combo: new Int32Array(keys.length), counts: new Int32Array(keys.length) };
  keys.forEach((key, i) => {
    tally.slots[i] = Math.floor(key / 1_048_576);
    tally.combo[i] = key % 1_048_576;
    tally.counts[i] = entries.get(key)!;
  });
  return tally;
}

export function encodeTally(tally: SegmentTally): string {
  const file: SegmentTallyFile = {
    format: 1,
    combos: tally.combos.map((c) => [c.portal, c.event, c.entityTypeId, c.userId, c.byUser ? 1 : 0]),
    slots: Array.from(tally.slots),
    combo: Array.from(tally.combo),
    counts: Array.from(tally.counts),
  };
  return JSON.stringify(file);
}

/** Parses a tally file; throws when it is not one (the caller rebuilds it from the segment). */
export function decodeTally(text: string): SegmentTally {
  const file = JSON.parse(text) as SegmentTallyFile;
  const n = file?.slots?.length;
  if (file?.format !== 1 || !Array.isArray(file.combos) || !Array.isArray(file.slots) || file.combo?.length !== n || file.counts?.length !== n) {
    throw new Error('not a segment tally');
  }
  const combos = file.combos.map(([portal, event, entityTypeId, userId, byUser]) => ({ portal, event, entityTypeId, userId, byUser: byUser === 1 }));
  const combo = Int32Array.from(file.combo);
  for (const c of combo) if (c < 0 || c >= combos.length) throw new Error('not a segment tally');
  return { combos, slots: Int32Array.from(file.slots), combo, counts: Int32Array.from(file.counts) };
}

/** Deletions a tally counts. */
export function tallyTotal(tally: SegmentTally): number {
  let total = 0;
  for (const c of tally.counts) total += c;
  return total;
}

/**
 * What a sealed segment file holds. Format 2 (written now) is columnar: one array per field, the
 * repeated strings (event, portal, member id, endpoint, token fingerprint) kept once in `strings` and
 * referred to by index, and the counters that rise through a segment (seq, sentAt, receivedAt) kept as
 * differences from the row before. A 1M-deletion history is ~6x smaller than as format 1's array of
 * objects, and JSON.parse of it (the bulk of an export's time) shrinks with it.
 *
 * Format 1 (`{ format: 1, records: [...] }`, written by earlier builds) is still read.
 */
import type { DeletionRecord } from '../contract.js';

export interface SegmentFileV1 {
  format: 1;
  records: DeletionRecord[];
}

export interface SegmentFileV2 {
  format: 2;
  count: number;
  /** Distinct values of the string columns; the columns hold indexes into it (-1 = null). */
  strings: string[];
  /** Differences from the previous row (the first row: from 0). */
  seq: number[];
  sentAt: number[];
  receivedAt: number[];
  id: string[];
  event: number[];
  handlerId: (number | null)[];
  itemId: number[];
  entityTypeId: number[];
  portal: number[];
  memberId: number[];
  clientEndpoint: number[];
  byUser: (0 | 1)[];
  userId: (number | null)[];
  tokenFp: number[];
}

export type SegmentFile = SegmentFileV1 | SegmentFileV2;

/** Encodes records (in seq order) as a format 2 segment. */
export function encodeSegment(records: readonly DeletionRecord[]): SegmentFileV2 {
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const ref = (value: string | null): number => {
    if (value === null) return -1;
    let i = indexOf.get(value);
    if (i === undefined) {
      i = strings.length;
      strings.push(value);
      indexOf.set(value, i);
    }
    return i;
  };
  const n = records.length;
  const file: SegmentFileV2 = {
    format: 2,
    count: n,
    strings,
    seq: new Array<number>(n),
    sentAt: new Array<number>(n),
    receivedAt: new Array<number>(n),
    id: new Array<string>(n),
    event: new Array<number>(n),
    handlerId: new Array<number | null>(n),
    itemId: new Array<number>(n),
    entityTypeId: new Array<number>(n),
    portal: new Array<number>(n),
    memberId: new Array<number>(n),
    clientEndpoint: new Array<number>(n),
    byUser: new Array<0 | 1>(n),
    userId: new Array<number | null>(n),
    tokenFp: new Array<number>(n),
  };
  let seq = 0;
  let sentAt = 0;
  let receivedAt = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    file.seq[i] = r.seq - seq;
    file.sentAt[i] = r.sentAt - sentAt;
    file.receivedAt[i] = r.receivedAt - receivedAt;
    seq = r.seq;
    sentAt = r.sentAt;
    receivedAt = r.receivedAt;
    file.id[i] = r.id;
    file.event[i] = ref(r.event);
    file.handlerId[i] = r.handlerId;
    file.itemId[i] = r.itemId;
    file.entityTypeId[i] = r.entityTypeId;
    file.portal[i] = ref(r.portal);
    file.memberId[i] = ref(r.memberId);
    file.clientEndpoint[i] = ref(r.clientEndpoint);
    file.byUser[i] = r.byUser ? 1 : 0;
    file.userId[i] = r.userId;
    file.tokenFp[i] = ref(r.tokenFp);
  }
  return file;
}

const COLUMNS = ['seq', 'sentAt', 'receivedAt', 'id', 'event', 'handlerId', 'itemId', 'entityTypeId', 'portal', 'memberId', 'clientEndpoint', 'byUser', 'userId', 'tokenFp'] as const;

class SegmentFormatError extends Error {
  override readonly name = 'SegmentFormatError';
}

/**
 * The records of a parsed segment file (either format), oldest first. Throws SegmentFormatError on
 * anything that is not a well-formed segment, so a damaged file is moved aside rather than half-read.
 */
export function decodeSegment(data: unknown): DeletionRecord[] {
  if (typeof data !== 'object' || data === null) throw new SegmentFormatError('not a segment');
  const file = data as Partial<SegmentFile>;
  if (file.format === 1) {
    if (!Array.isArray(file.records)) throw new SegmentFormatError('format 1 segment without records');
    return file.records;
  }
  if (file.format !== 2) throw new SegmentFormatError(`unknown segment format ${String(file.format)}`);
  const v2 = file as SegmentFileV2;
  const n = v2.count;
  if (!Number.isInteger(n) || n < 0) throw new SegmentFormatError('bad record count');
  if (!Array.isArray(v2.strings) || !v2.strings.every((s) => typeof s === 'string')) throw new SegmentFormatError('bad string table');
  for (const column of COLUMNS) {
    const values = v2[column];
    if (!Array.isArray(values) || values.length !== n) throw new SegmentFormatError(`column ${column} missing or of the wrong length`);
  }
  const strings = v2.strings;
  const text = (column: 'event' | 'portal' | 'tokenFp', i: number): string => {
    const value = strings[v2[column][i]!];
    if (value === undefined) throw new SegmentFormatError(`${column} of row ${i} points outside the string table`);
    return value;
  };
  const nullableText = (column: 'memberId' | 'clientEndpoint', i: number): string | null => {
    const index = v2[column][i]!;
    if (index === -1) return null;
    const value = strings[index];
    if (value === undefined) throw new SegmentFormatError(`${column} of row ${i} points outside the string table`);
    return value;
  };
  const records = new Array<DeletionRecord>(n);
  let seq = 0;
  let sentAt = 0;
  let receivedAt = 0;
  for (let i = 0; i < n; i++) {
    seq += v2.seq[i]!;
    sentAt += v2.sentAt[i]!;
    receivedAt += v2.receivedAt[i]!;
    const id = v2.id[i];
    const itemId = v2.itemId[i];
    const entityTypeId = v2.entityTypeId[i];
    const handlerId = v2.handlerId[i];
    const userId = v2.userId[i];
    if (typeof id !== 'string' || typeof itemId !== 'number' || typeof entityTypeId !== 'number' || !Number.isFinite(seq + sentAt + receivedAt)) {
      throw new SegmentFormatError(`row ${i} is malformed`);
    }
    if ((handlerId !== null && typeof handlerId !== 'number') || (userId !== null && typeof userId !== 'number')) throw new SegmentFormatError(`row ${i} is malformed`);
    // Same key order as the records the store builds, so every record shares one object shape.
    records[i] = {
      seq,
      id,
      event: text('event', i),
      handlerId,
      itemId,
      entityTypeId,
      sentAt,
      receivedAt,
      portal: text('portal', i),
      memberId: nullableText('memberId', i),
      clientEndpoint: nullableText('clientEndpoint', i),
      byUser: v2.byUser[i] === 1,
      userId,
      tokenFp: text('tokenFp', i),
    };
  }
  return records;
}

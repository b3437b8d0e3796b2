/**
 * Item snapshots beside the log (`<data>/snapshots/`), in the log's spirit: bounded files, an index, no
 * whole-file rewrite per change, nothing big read at start.
 * - Live: what each CRM item of an application portal looks like now, in append-only JSON-lines buckets
 *   `live/<portal>/<type>/<id >> 10>.jsonl` (at most 1,024 ids a bucket; the last line of an id wins; a
 *   tombstone line drops it). A bucket is rewritten (temp + rename) only when its dead lines dominate.
 * - Frozen: when a deletion is stored, its item's snapshot is copied beside the row, keyed by the row's
 *   seq: `frozen/<seq >> 16>.jsonl` (append-only) with `<…>.idx`, 20 bytes an entry (seq, offset, length),
 *   read lazily when rows of that seq range are read. Frozen snapshots stay with the log.
 * Readers tolerate a partial or corrupt last line (a crash mid-append); writers cut it before appending.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, truncate, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { ItemSnapshot } from '../contract.js';

export const SNAPSHOTS_DIR = 'snapshots';
const BUCKET_SHIFT = 10;
const BLOCK_SHIFT = 16;
const INDEX_ENTRY = 20;
const CACHED_BLOCKS = 8;

/** A snapshot as kept on disk and handed around: the contract's shape less the joined name. */
export type StoredSnapshot = Omit<ItemSnapshot, 'responsibleName'>;

interface LiveLine {
  id: number;
  t?: string | null;
  a?: number | null;
  c?: string | null;
  r?: number | null;
  u?: number | null;
  k?: number;
  /** Tombstone. */
  x?: 1;
}

interface FrozenLine extends LiveLine {
  seq: number;
  p: string;
  e: number;
}

function lineOf(id: number, s: StoredSnapshot): string {
  return JSON.stringify({ id, t: s.title, a: s.amount, c: s.currency, r: s.responsibleId, u: s.updatedAt, k: s.takenAt } satisfies LiveLine);
}

function snapshotOf(line: LiveLine): StoredSnapshot {
  return {
    title: typeof line.t === 'string' ? line.t : null,
    amount: typeof line.a === 'number' ? line.a : null,
    currency: typeof line.c === 'string' ? line.c : null,
    responsibleId: typeof line.r === 'number' ? line.r : null,
    updatedAt: typeof line.u === 'number' ? line.u : null,
    takenAt: typeof line.k === 'number' ? line.k : 0,
  };
}

/** A folder name for a portal domain (`127.0.0.1:PORT` has a colon): readable, and unique by a short hash. */
export function portalFolder(domain: string): string {
  const readable = domain.toLowerCase().replace(/[^a-z0-9.-]/g, '_').slice(0, 80);
  return `${readable}-${createHash('sha256').update(domain).digest('hex').slice(0, 8)}`;
}

/** The last whole line of `id` in a bucket's text (found by its prefix, parsing only that line), or null. */
function latestLine(text: string, id: number): LiveLine | null {
  const prefix = `{"id":${id},`;
  for (let from = text.length; from >= 0; ) {
    const found = text.lastIndexOf(prefix, from);
    if (found === -1) return null;
    from = found - 1;
    if (found !== 0 && text[found - 1] !== '\n') continue;
    const end = text.indexOf('\n', found);
    if (end === -1) continue; // a torn last line
    try {
      const line = JSON.parse(text.slice(found, end)) as LiveLine;
      if (line && line.id === id) return line;
    } catch {
      /* a corrupt line: an older one may do */
    }
  }
  return null;
}

/** Parses JSON lines, skipping unreadable ones (a torn last line, a corrupt one). */
function parseLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const value = JSON.parse(line) as T;
      if (value && typeof value === 'object') out.push(value);
    } catch {
      /* torn or corrupt line: skipped */
    }
  }
  return out;
}

interface BucketMeta {
  lines: number;
  /** Which of the bucket's 1,024 ids are live (one bit each), and how many. */
  bits: Uint8Array;
  live: number;
}

function setBit(meta: BucketMeta, id: number, on: boolean): void {
  const slot = id & ((1 << BUCKET_SHIFT) - 1);
  const mask = 1 << (slot & 7);
  const was = (meta.bits[slot >> 3]! & mask) !== 0;
  if (was === on) return;
  meta.bits[slot >> 3] = on ? meta.bits[slot >> 3]! | mask : meta.bits[slot >> 3]! & ~mask;
  meta.live += on ? 1 : -1;
}

function metaOf(lines: number, latest: Map<number, LiveLine>): BucketMeta {
  const meta: BucketMeta = { lines, bits: new Uint8Array((1 << BUCKET_SHIFT) / 8), live: 0 };
  for (const line of latest.values()) if (!line.x) setBit(meta, line.id, true);
  return meta;
}

interface BlockIndex {
  seqs: Float64Array;
  offsets: Float64Array;
  lengths: Uint32Array;
  count: number;
  sorted: boolean;
}

export class SnapshotStore {
  private readonly buckets = new Map<string, BucketMeta>();
  /** One writer at a time per file (appends and compactions do not interleave). */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly blocks = new Map<number, BlockIndex>();
  /** Blocks with a frozen file; read once, on the first lookup. */
  private frozenBlocks: Set<number> | null = null;
  /** Lines written and compactions made (tests, bench). */
  readonly stats = { appended: 0, compactions: 0, frozen: 0 };

  private constructor(readonly dir: string) {}

  /** Opens (reading nothing: every file is read when first needed). */
  static async open(dataDir: string, options: { readOnly?: boolean } = {}): Promise<SnapshotStore> {
    const dir = path.join(dataDir, SNAPSHOTS_DIR);
    if (!options.readOnly) await mkdir(path.join(dir, 'frozen'), { recursive: true });
    return new SnapshotStore(dir);
  }

  private serial<T>(key: string, job: () => Promise<T>): Promise<T> {
    const before = this.chains.get(key) ?? Promise.resolve();
    const run = before.then(job, job);
    const settled = run.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return run;
  }

  // ---- live snapshots ----------------------------------------------------------------------------

  private bucketFile(portal: string, entityTypeId: number, bucket: number): string {
    return path.join(this.dir, 'live', portalFolder(portal), String(entityTypeId), `${bucket}.jsonl`);
  }

  /** Reads a bucket's latest line per id (tombstones included), cutting a torn last line when writing. */
  private async readBucket(file: string, repair: boolean): Promise<Map<number, LiveLine>> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (repair) this.buckets.set(file, metaOf(0, new Map()));
      return new Map();
    }
    if (repair && text.length > 0 && !text.endsWith('\n')) {
      const keep = text.lastIndexOf('\n') + 1;
      await truncate(file, Buffer.byteLength(text.slice(0, keep)));
      text = text.slice(0, keep);
    }
    const latest = new Map<number, LiveLine>();
    let lines = 0;
    for (const line of parseLines<LiveLine>(text)) {
      lines++;
      if (typeof line.id === 'number') latest.set(line.id, line);
    }
    if (repair) this.buckets.set(file, metaOf(lines, latest));
    return latest;
  }

  /** Writes the latest state of items (one append per bucket touched). */
  async put(portal: string, entityTypeId: number, items: ReadonlyArray<{ id: number; snapshot: StoredSnapshot }>): Promise<void> {
    const byBucket = new Map<number, string[]>();
    for (const { id, snapshot } of items) {
      const bucket = id >> BUCKET_SHIFT;
      let lines = byBucket.get(bucket);
      if (!lines) byBucket.set(bucket, (lines = []));
      lines.push(lineOf(id, snapshot));
    }
    await Promise.all([...byBucket].map(([bucket, lines]) => this.append(this.bucketFile(portal, entityTypeId, bucket), lines, (meta) => {
      for (const { id } of items) if (id >> BUCKET_SHIFT === bucket) setBit(meta, id, true);
    })));
  }

  /** Drops items (they were deleted on the portal). */
  async drop(portal: string, entityTypeId: number, ids: readonly number[]): Promise<void> {
    const byBucket = new Map<number, string[]>();
    for (const id of ids) {
      const bucket = id >> BUCKET_SHIFT;
      let lines = byBucket.get(bucket);
      if (!lines) byBucket.set(bucket, (lines = []));
      lines.push(JSON.stringify({ id, x: 1 } satisfies LiveLine));
    }
    await Promise.all([...byBucket].map(([bucket, lines]) => this.append(this.bucketFile(portal, entityTypeId, bucket), lines, (meta) => {
      for (const id of ids) if (id >> BUCKET_SHIFT === bucket) setBit(meta, id, false);
    })));
  }

  private append(file: string, lines: string[], mark: (meta: BucketMeta) => void): Promise<void> {
    return this.serial(file, async () => {
      let meta = this.buckets.get(file);
      if (!meta) {
        await mkdir(path.dirname(file), { recursive: true });
        await this.readBucket(file, true);
        meta = this.buckets.get(file)!;
      }
      await appendFile(file, lines.join('\n') + '\n');
      this.stats.appended += lines.length;
      meta.lines += lines.length;
      mark(meta);
      // Compaction when dead lines (older versions, tombstones) dominate: the bucket is rewritten once
      // (temp + rename), then appended to again; amortised, each line is rewritten at most once or twice.
      if (meta.lines > 64 && meta.lines > 2 * meta.live) await this.compact(file);
    });
  }

  private async compact(file: string): Promise<void> {
    const latest = await this.readBucket(file, false);
    const keep = [...latest.values()].filter((l) => !l.x);
    const temp = `${file}.tmp`;
    await writeFile(temp, keep.map((l) => JSON.stringify(l)).join('\n') + (keep.length ? '\n' : ''));
    await rename(temp, file);
    this.buckets.set(file, metaOf(keep.length, new Map(keep.map((l) => [l.id, l]))));
    this.stats.compactions++;
  }

  /** The item's latest snapshot, or null. */
  async get(portal: string, entityTypeId: number, id: number): Promise<StoredSnapshot | null> {
    const file = this.bucketFile(portal, entityTypeId, id >> BUCKET_SHIFT);
    const text = await this.serial(file, () => readFile(file, 'utf8').catch(() => ''));
    const line = latestLine(text, id);
    return line && !line.x ? snapshotOf(line) : null;
  }

  /** Forgets a portal's live snapshots (uninstalled); frozen ones stay with the log. */
  async forgetPortal(portal: string): Promise<void> {
    const folder = path.join(this.dir, 'live', portalFolder(portal));
    for (const key of [...this.buckets.keys()]) if (key.startsWith(folder + path.sep)) this.buckets.delete(key);
    await rm(folder, { recursive: true, force: true });
  }

  // ---- frozen snapshots --------------------------------------------------------------------------

  private blockFiles(block: number): { data: string; index: string } {
    const base = path.join(this.dir, 'frozen', String(block));
    return { data: `${base}.jsonl`, index: `${base}.idx` };
  }

  /**
   * Freezes the live snapshot of a deleted item beside its row (seq), and drops the live one. Returns the
   * snapshot frozen, or null when none was known.
   */
  async freeze(seq: number, portal: string, entityTypeId: number, itemId: number): Promise<StoredSnapshot | null> {
    return (await this.freezeMany([{ seq, portal, entityTypeId, itemId }])).get(seq) ?? null;
  }

  /**
   * Freezes many deletions at once (a mass deletion): each bucket is read once, the frozen lines go in one
   * append per block, the tombstones in one append per bucket. Returns the snapshots frozen, by seq.
   */
  async freezeMany(rows: ReadonlyArray<{ seq: number; portal: string; entityTypeId: number; itemId: number }>): Promise<Map<number, StoredSnapshot>> {
    const byFile = new Map<string, { portal: string; entityTypeId: number; rows: (typeof rows)[number][] }>();
    for (const row of rows) {
      const file = this.bucketFile(row.portal, row.entityTypeId, row.itemId >> BUCKET_SHIFT);
      let group = byFile.get(file);
      if (!group) byFile.set(file, (group = { portal: row.portal, entityTypeId: row.entityTypeId, rows: [] }));
      group.rows.push(row);
    }
    const frozen: { seq: number; portal: string; entityTypeId: number; itemId: number; snapshot: StoredSnapshot }[] = [];
    const drops: { portal: string; entityTypeId: number; ids: number[] }[] = [];
    for (const [file, group] of byFile) {
      const text = await this.serial(file, () => readFile(file, 'utf8').catch(() => ''));
      const ids: number[] = [];
      for (const row of group.rows) {
        const line = latestLine(text, row.itemId);
        if (!line || line.x) continue;
        frozen.push({ ...row, snapshot: snapshotOf(line) });
        ids.push(row.itemId);
      }
      if (ids.length) drops.push({ portal: group.portal, entityTypeId: group.entityTypeId, ids });
    }
    if (frozen.length) await this.writeFrozen(frozen);
    for (const d of drops) await this.drop(d.portal, d.entityTypeId, d.ids);
    return new Map(frozen.map((f) => [f.seq, f.snapshot]));
  }

  /** Appends frozen snapshots (the writer the bench uses to fill a folder quickly, too). */
  async writeFrozen(entries: ReadonlyArray<{ seq: number; portal: string; entityTypeId: number; itemId: number; snapshot: StoredSnapshot }>): Promise<void> {
    const byBlock = new Map<number, typeof entries[number][]>();
    for (const entry of entries) {
      const block = Math.floor(entry.seq / 2 ** BLOCK_SHIFT);
      let list = byBlock.get(block);
      if (!list) byBlock.set(block, (list = []));
      list.push(entry);
    }
    for (const [block, list] of byBlock) {
      const files = this.blockFiles(block);
      await this.serial(files.data, async () => {
        const { dataSize } = await this.repairBlock(files);
        const parts: Buffer[] = [];
        const index = Buffer.alloc(list.length * INDEX_ENTRY);
        let offset = dataSize;
        list.forEach((e, i) => {
          const line: FrozenLine = { seq: e.seq, p: e.portal, e: e.entityTypeId, ...(JSON.parse(lineOf(e.itemId, e.snapshot)) as LiveLine) };
          const bytes = Buffer.from(JSON.stringify(line) + '\n');
          parts.push(bytes);
          index.writeDoubleLE(e.seq, i * INDEX_ENTRY);
          index.writeDoubleLE(offset, i * INDEX_ENTRY + 8);
          index.writeUInt32LE(bytes.length - 1, i * INDEX_ENTRY + 16);
          offset += bytes.length;
        });
        // Data first, then the index: a crash between leaves an unindexed line, never an entry without data.
        await appendFile(files.data, Buffer.concat(parts));
        await appendFile(files.index, index);
        this.frozenBlocks?.add(block);
        const cached = this.blocks.get(block);
        if (cached) list.forEach((e, i) => this.addToIndex(cached, e.seq, index.readDoubleLE(i * INDEX_ENTRY + 8), index.readUInt32LE(i * INDEX_ENTRY + 16)));
        this.stats.frozen += list.length;
      });
    }
  }

  /** Cuts a torn index entry and the index entries past the data's end (before appending to a block). */
  private async repairBlock(files: { data: string; index: string }): Promise<{ dataSize: number }> {
    const size = async (file: string): Promise<number> => stat(file).then((s) => s.size, () => 0);
    const dataSize = await size(files.data);
    let indexSize = await size(files.index);
    if (indexSize % INDEX_ENTRY !== 0) {
      indexSize -= indexSize % INDEX_ENTRY;
      await truncate(files.index, indexSize);
    }
    if (indexSize > 0) {
      const handle = await open(files.index, 'r');
      try {
        const last = Buffer.alloc(INDEX_ENTRY);
        await handle.read(last, 0, INDEX_ENTRY, indexSize - INDEX_ENTRY);
        if (last.readDoubleLE(8) + last.readUInt32LE(16) + 1 > dataSize) {
          // The data behind the last entry is missing (a copied folder): drop the entry, it cannot be read.
          await handle.close().catch(() => undefined);
          await truncate(files.index, indexSize - INDEX_ENTRY);
          return this.repairBlock(files);
        }
      } finally {
        await handle.close().catch(() => undefined);
      }
    }
    return { dataSize };
  }

  private addToIndex(index: BlockIndex, seq: number, offset: number, length: number): void {
    if (index.count === index.seqs.length) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(Math.max(16, a.length * 2));
        b.set(a);
        return b;
      };
      index.seqs = grow(index.seqs);
      index.offsets = grow(index.offsets);
      const lengths = new Uint32Array(index.seqs.length);
      lengths.set(index.lengths);
      index.lengths = lengths;
    }
    if (index.count > 0 && seq <= index.seqs[index.count - 1]!) index.sorted = false;
    index.seqs[index.count] = seq;
    index.offsets[index.count] = offset;
    index.lengths[index.count] = length;
    index.count++;
  }

  private async loadBlock(block: number): Promise<BlockIndex | null> {
    const cached = this.blocks.get(block);
    if (cached) {
      this.blocks.delete(block);
      this.blocks.set(block, cached); // most recently used last
      return cached;
    }
    let raw: Buffer;
    try {
      raw = await readFile(this.blockFiles(block).index);
    } catch {
      return null;
    }
    const count = Math.floor(raw.length / INDEX_ENTRY);
    const index: BlockIndex = { seqs: new Float64Array(count), offsets: new Float64Array(count), lengths: new Uint32Array(count), count: 0, sorted: true };
    for (let i = 0; i < count; i++) this.addToIndex(index, raw.readDoubleLE(i * INDEX_ENTRY), raw.readDoubleLE(i * INDEX_ENTRY + 8), raw.readUInt32LE(i * INDEX_ENTRY + 16));
    if (!index.sorted) sortIndex(index);
    this.blocks.set(block, index);
    while (this.blocks.size > CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return index;
  }

  /**
   * Retention: forgets the frozen snapshots of rows the log no longer holds (every seq ≤ `throughSeq`):
   * a block wholly below goes, a block across the cut is rewritten without its expired lines. Returns the
   * snapshots forgotten. The history the user chose not to keep must not outlive the rows beside it.
   */
  async dropFrozenThrough(throughSeq: number): Promise<number> {
    const dir = path.join(this.dir, 'frozen');
    const names = await readdir(dir).catch(() => [] as string[]);
    const blocks = [...new Set(names.flatMap((n) => (/^\d+\.(?:idx|jsonl)$/.test(n) ? [Number(n.slice(0, n.indexOf('.')))] : [])))].sort((a, b) => a - b);
    let dropped = 0;
    for (const block of blocks) {
      const first = block * 2 ** BLOCK_SHIFT;
      if (first > throughSeq) break;
      const files = this.blockFiles(block);
      await this.serial(files.data, async () => {
        const text = await readFile(files.data, 'utf8').catch(() => '');
        const kept: Buffer[] = [];
        const index: Buffer[] = [];
        let offset = 0;
        for (const line of text.split('\n')) {
          if (line === '') continue;
          let seq: number;
          try {
            seq = (JSON.parse(line) as FrozenLine).seq;
          } catch {
            continue; // a torn or damaged line: nothing to keep
          }
          if (!(seq > throughSeq)) {
            dropped++;
            continue;
          }
          const bytes = Buffer.from(`${line}\n`);
          const entry = Buffer.alloc(INDEX_ENTRY);
          entry.writeDoubleLE(seq, 0);
          entry.writeDoubleLE(offset, 8);
          entry.writeUInt32LE(bytes.length - 1, 16);
          kept.push(bytes);
          index.push(entry);
          offset += bytes.length;
        }
        this.blocks.delete(block);
        if (kept.length === 0) {
          this.frozenBlocks?.delete(block);
          await rm(files.index, { force: true });
          await rm(files.data, { force: true });
          return;
        }
        // New data, then its index, each by rename. A crash between them leaves index entries that point at
        // other lines: reads check each line's seq, so such a row shows without a snapshot, never a wrong one.
        await writeFile(`${files.data}.tmp`, Buffer.concat(kept));
        await writeFile(`${files.index}.tmp`, Buffer.concat(index));
        await rename(`${files.data}.tmp`, files.data);
        await rename(`${files.index}.tmp`, files.index);
      });
    }
    return dropped;
  }

  /** Frozen snapshots of rows, by seq (rows without one are absent). */
  async frozen(seqs: readonly number[]): Promise<Map<number, StoredSnapshot>> {
    const out = new Map<number, StoredSnapshot>();
    if (seqs.length === 0) return out;
    if (this.frozenBlocks === null) {
      const names = await readdir(path.join(this.dir, 'frozen')).catch(() => [] as string[]);
      this.frozenBlocks = new Set(names.flatMap((n) => (/^\d+\.idx$/.test(n) ? [Number(n.slice(0, -4))] : [])));
    }
    const byBlock = new Map<number, number[]>();
    for (const seq of seqs) {
      const block = Math.floor(seq / 2 ** BLOCK_SHIFT);
      if (!this.frozenBlocks.has(block)) continue;
      let list = byBlock.get(block);
      if (!list) byBlock.set(block, (list = []));
      list.push(seq);
    }
    for (const [block, list] of byBlock) {
      const index = await this.loadBlock(block);
      if (!index) continue;
      if (!index.sorted) sortIndex(index);
      const wanted: { seq: number; offset: number; length: number }[] = [];
      for (const seq of list) {
        const at = search(index, seq);
        if (at >= 0) wanted.push({ seq, offset: index.offsets[at]!, length: index.lengths[at]! });
      }
      if (wanted.length === 0) continue;
      wanted.sort((a, b) => a.offset - b.offset);
      const handle = await open(this.blockFiles(block).data, 'r');
      try {
        // Rows read together were mostly frozen together: one read of the span when it is small.
        const first = wanted[0]!.offset;
        const span = wanted[wanted.length - 1]!.offset + wanted[wanted.length - 1]!.length - first;
        const whole = span <= 1 << 20 ? Buffer.alloc(span) : null;
        if (whole) await handle.read(whole, 0, span, first);
        for (const w of wanted) {
          let bytes: Buffer;
          if (whole) bytes = whole.subarray(w.offset - first, w.offset - first + w.length);
          else {
            bytes = Buffer.alloc(w.length);
            await handle.read(bytes, 0, w.length, w.offset);
          }
          try {
            const line = JSON.parse(bytes.toString('utf8')) as FrozenLine;
            if (line.seq === w.seq) out.set(w.seq, snapshotOf(line));
          } catch {
            /* a damaged line: shown without a snapshot */
          }
        }
      } finally {
        await handle.close();
      }
    }
    return out;
  }
}

function sortIndex(index: BlockIndex): void {
  const order = Array.from({ length: index.count }, (_, i) => i).sort((a, b) => index.seqs[a]! - index.seqs[b]!);
  const seqs = new Float64Array(index.seqs.length);
  const offsets = new Float64Array(index.seqs.length);
  const lengths = new Uint32Array(index.seqs.length);
  order.forEach((from, to) => {
    seqs[to] = index.seqs[from]!;
    offsets[to] = index.offsets[from]!;
    lengths[to] = index.lengths[from]!;
  });
  Object.assign(index, { seqs, offsets, lengths, sorted: true });
}

/** Position of `seq` in a sorted index (the last entry when frozen twice), or -1. */
function search(index: BlockIndex, seq: number): number {
  let lo = 0;
  let hi = index.count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = index.seqs[mid]!;
    if (v < seq) lo = mid + 1;
    else if (v > seq) hi = mid - 1;
    else {
      found = mid;
      lo = mid + 1;
    }
  }
  return found;
}

/**
 * Rows with their frozen snapshots (by seq) and the responsible users' names joined; rows without one
 * come back as they were. Used wherever rows are read: queries, the live feed's re-read, CSV exports.
 */
export async function joinFrozenSnapshots<T extends { seq: number; portal: string; snapshot?: ItemSnapshot }>(
  rows: readonly T[],
  store: SnapshotStore,
  userName: (portal: string, userId: number) => string | undefined,
): Promise<T[]> {
  const frozen = await store.frozen(rows.map((r) => r.seq));
  if (frozen.size === 0) return [...rows];
  return rows.map((row) => {
    const snapshot = frozen.get(row.seq);
    if (!snapshot) return row;
    const responsibleName = snapshot.responsibleId === null ? undefined : userName(row.portal, snapshot.responsibleId);
    return { ...row, snapshot: { ...snapshot, ...(responsibleName !== undefined && { responsibleName }) } };
  });
}

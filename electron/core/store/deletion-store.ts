/**
 * The deletion log: lowdb JSON segments of at most `segmentSize` records, plus the journal of the open
 * segment. One write touches one journal append (and, once per segment, one bounded segment file), so
 * the cost of an event does not grow with history; start-up reads the manifest and the open journal only.
 *
 * Layout of `dir`:
 *   manifest.json        segment tallies (a cache: rebuilt from the segments when missing or damaged)
 *   seg-000001.json      sealed segments (columnar, see segment-codec.ts), written once
 *   seg-000001.ids       their ids as 64-bit hashes (id-index.ts), so start-up never parses a segment
 *   seg-000001.tally     their activity tallies (segment-tally.ts), for the activity view; rebuilt when missing
 *   journal-000002.jsonl the open segment, one record per line, appended per group commit
 *   damaged/             files that failed to parse, moved aside (never deleted)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { DeletionFilter, DeletionPage, DeletionQuery, DeletionRecord, StoreHealth } from '../contract.js';
import type { UnsequencedRecord } from '../events/deletion-record.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { DurableJsonFile, TEMP_SUFFIX, writeFileDurably } from './durable-json-file.js';
import { Journal, readJournal } from './journal.js';
import { addToInfo, countFromInfo, emptyInfo, facetsOf, infoOf, isEmptyFilter, matches, type SegmentInfo, type StoreFilter } from './segment-info.js';
import { LruCache } from './lru-cache.js';
import { IdIndex, packIds } from './id-index.js';
import { decodeSegment, encodeSegment, type SegmentFile } from './segment-codec.js';
import { GroupGatherer } from './group-gatherer.js';
import { recordLine } from './record-line.js';
import { decodeTally, encodeTally, tallyOf, tallyTotal, type SegmentTally } from './segment-tally.js';

export interface DeletionStoreOptions {
  dir: string;
  /** Records per segment; bounds the one write that grows with the segment (sealing). */
  segmentSize?: number;
  /** fdatasync each group commit and segment (power-loss safety). Tests may turn it off. */
  fsync?: boolean;
  log?: Logger;
  /**
   * Read without changing anything (the `export` command, possibly beside a running monitor):
   * no recovery writes, no journal opened for writing, damaged files reported but left in place.
   */
  readOnly?: boolean;
}

export type AddResult = { stored: true; record: DeletionRecord } | { stored: false; record: null };

/** The store's group commits since it opened: what a burst cost the disk (logged at stop, read by the benchmark). */
export interface WriteStats {
  /** Journal writes that succeeded (one per group commit). */
  writes: number;
  /** Records they held. */
  events: number;
  /** Time from handing a group's bytes to the journal to its write returning, summed and at most. */
  totalMs: number;
  maxMs: number;
}

/** One line for the log, e.g. `store: 9,400 events in 1,000 durable writes since start (9.4 a write); a write took 0.29 ms on average, 4.1 ms at most`. */
export function describeWriteStats(stats: WriteStats, durable: boolean): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const perWrite = stats.writes === 0 ? 0 : stats.events / stats.writes;
  const meanMs = stats.writes === 0 ? 0 : stats.totalMs / stats.writes;
  return (
    `store: ${n(stats.events)} event${stats.events === 1 ? '' : 's'} in ${n(stats.writes)} ${durable ? 'durable ' : ''}write${stats.writes === 1 ? '' : 's'} since start ` +
    `(${perWrite.toFixed(1)} a write); a write took ${meanMs.toFixed(2)} ms on average, ${stats.maxMs.toFixed(1)} ms at most`
  );
}

const NOT_STORED: AddResult = Object.freeze({ stored: false, record: null });

/** The store cannot write (disk full, read-only, ...): the listener answers 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

interface ManifestFile {
  format: 1;
  segments: SegmentInfo[];
}

interface OpenSegment {
  info: SegmentInfo;
  records: DeletionRecord[];
  /** Null in read-only mode, and in a segment opened by sealing until its first append. */
  journal: Journal | null;
}

interface Pending {
  record: UnsequencedRecord;
  resolve: (result: AddResult) => void;
  reject: (error: Error) => void;
}

/**
 * The stored record: `seq` first (the journal's key order), every field named, so V8 builds it with one
 * fixed shape (a spread copy went through the generic clone path for every event).
 */
function numbered(r: UnsequencedRecord, seq: number): DeletionRecord {
  return {
    seq,
    id: r.id,
    event: r.event,
    handlerId: r.handlerId,
    itemId: r.itemId,
    entityTypeId: r.entityTypeId,
    sentAt: r.sentAt,
    receivedAt: r.receivedAt,
    portal: r.portal,
    memberId: r.memberId,
    clientEndpoint: r.clientEndpoint,
    byUser: r.byUser,
    userId: r.userId,
    tokenFp: r.tokenFp,
  };
}

const SEGMENT_FILE = /^seg-(\d{6,})\.json$/;
const JOURNAL_FILE = /^journal-(\d{6,})\.jsonl$/;
const pad = (n: number): string => String(n).padStart(6, '0');
const MAX_PAGE = 1000;

/** The records of a sealed segment file; throws when it is missing, unparsable or malformed. */
async function readSegmentFile(file: string): Promise<DeletionRecord[]> {
  return decodeSegment(await new DurableJsonFile<SegmentFile>(file).read());
}
export class DeletionStore extends TypedEmitter<{ added: DeletionRecord[]; health: StoreHealth }> {
  private readonly segmentSize: number;
  private readonly fsync: boolean;
  private readonly log: Logger;
  private readonly readOnly: boolean;
  private readonly manifest: Low<ManifestFile>;
  /** Sealed segments on disk, oldest first. */
  private sealed: SegmentInfo[] = [];
  /** Segments closed for writing whose file is not written yet, oldest first. */
  private readonly sealing = new Map<number, DeletionRecord[]>();
  /** Ids of the segments being sealed, so duplicates are caught without a scan. */
  private readonly sealingIds = new Map<number, Set<string>>();
  private open!: OpenSegment;
  private openIds = new Set<string>();
  private readonly pendingIds = new Map<string, Promise<AddResult>>();
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private sealChain: Promise<void> = Promise.resolve();
  private readonly gatherer: GroupGatherer;
  private nextSeq = 1;
  /** Numbers handed to the batch being written (not stored yet). */
  private queuedSeqs = 0;
  // Four segments (20,000 records) cover the pages a user scrolls through; a miss now costs one ~0.4 MB parse.
  private readonly segmentCache = new LruCache<number, DeletionRecord[]>(4);
  private readonly idCache = new LruCache<number, Set<string>>(8);
  private readonly index = new IdIndex();
  private readonly countCache = new LruCache<string, number>(20_000);
  /** Activity tallies of sealed segments, by number: set when sealing, read from `.tally` files on first use. */
  private readonly tallies = new Map<number, SegmentTally>();
  private tallyLoad: Promise<void> | null = null;
  private healthState: StoreHealth = { ok: true, error: null, quarantinedFiles: [] };
  private readonly stats: WriteStats = { writes: 0, events: 0, totalMs: 0, maxMs: 0 };
  private closed = false;

  private constructor(
    readonly dir: string,
    options: DeletionStoreOptions,
  ) {
    super();
    this.segmentSize = options.segmentSize ?? 5000;
    this.fsync = options.fsync ?? true;
    this.gatherer = new GroupGatherer(this.fsync);
    this.log = options.log ?? silentLogger;
    this.readOnly = options.readOnly ?? false;
    this.manifest = new Low(new DurableJsonFile<ManifestFile>(path.join(dir, 'manifest.json'), { fsync: this.fsync }), {
      format: 1,
      segments: [],
    });
  }

  /** Opens (creating) the log in `options.dir`, recovering from whatever a crash left behind. */
  static async open(options: DeletionStoreOptions): Promise<DeletionStore> {
    if (options.readOnly && !existsSync(options.dir)) throw new Error(`no deletion log in ${options.dir}`);
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const store = new DeletionStore(options.dir, options);
    await store.recover();
    return store;
  }

  get health(): StoreHealth {
    return this.healthState;
  }

  /** Sequence number of the newest stored record (0 when empty). */
  get lastSeq(): number {
    return this.nextSeq - 1 - this.queuedSeqs;
  }

  get total(): number {
    let total = this.open.info.count;
    for (const info of this.sealed) total += info.count;
    for (const records of this.sealing.values()) total += records.length;
    return total;
  }

  /**
   * Stores a record, resolving once it is durably written (group commit: records arriving during a
   * write ride the next one). A duplicate of a stored or pending record resolves `{ stored: false }`.
   * Rejects with StoreUnavailableError when the disk refuses the write. `sender` stands for whoever
   * waits for the answer (one object per connection): a group commit waits for recent senders to
   * send again (group-gatherer.ts).
   */
  add(record: UnsequencedRecord, sender?: object): Promise<AddResult> {
    if (this.closed || this.readOnly) return Promise.reject(new StoreUnavailableError(this.closed ? 'store is closed' : 'store is read-only'));
    if (sender !== undefined) this.gatherer.arrive(sender);
    if (this.openIds.has(record.id)) return Promise.resolve(NOT_STORED);
    const pending = this.pendingIds.get(record.id);
    if (pending) return pending.then((r) => (r.stored ? NOT_STORED : r));
    // Left in pendingIds until settled: drainLoop() (or addNew(), for a duplicate) removes it.
    const promise = this.addNew(record);
    this.pendingIds.set(record.id, promise);
    return promise;
  }

  private addNew(record: UnsequencedRecord): Promise<AddResult> {
    // The common case: the index has never seen this id, so it is new without reading anything.
    if (!this.index.mayHold(record.id)) return this.enqueue(record);
    return this.storedIn(this.index.segmentsOf(record.id), record.id).then(
      (stored) => {
        if (!stored) return this.enqueue(record);
        this.pendingIds.delete(record.id);
        return NOT_STORED;
      },
      (error: unknown) => {
        this.pendingIds.delete(record.id);
        throw error;
      },
    );
  }

  private enqueue(record: UnsequencedRecord): Promise<AddResult> {
    return new Promise<AddResult>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.writing ??= this.gatherer.wait().then(() => this.drain());
    });
  }

  /** Exact check of the segments the index points at (a hash hit may be a collision). */
  private async storedIn(segments: number[], id: string): Promise<boolean> {
    for (const n of segments) {
      if (n === this.open.info.n) {
        if (this.openIds.has(id)) return true;
        continue;
      }
      let ids = this.sealingIds.get(n) ?? this.idCache.get(n);
      if (!ids) {
        ids = new Set((await this.readSegment(n)).map((r) => r.id));
        this.idCache.set(n, ids);
      }
      if (ids.has(id)) return true;
    }
    return false;
  }

  private async drain(): Promise<void> {
    try {
      await this.drainLoop();
    } finally {
      // A drain that ended in an exception must not leave `writing` set: every later add() would wait on it.
      this.writing = null;
      if (this.queue.length > 0) this.writing = this.drain();
    }
  }

  private async drainLoop(): Promise<void> {
    while (this.queue.length > 0) {
      // A batch never crosses a segment boundary, so every sealed segment holds exactly segmentSize.
      const room = this.segmentSize - this.open.records.length;
      const batch = this.queue.length <= room ? this.queue : this.queue.slice(0, room);
      this.queue = this.queue.length <= room ? [] : this.queue.slice(room);
      this.gatherer.taken();
      try {
        // A segment opened by sealing gets its journal file here, at its first append: a folder that
        // refuses new files refuses this batch (503) instead of throwing out of sealOpen().
        this.open.journal ??= new Journal(this.journalPath(this.open.info.n), 0, this.fsync);
      } catch (error) {
        this.setHealth({ ok: false, error: describeError(error) });
        this.log.error(`log write failed, ${batch.length} event(s) refused: ${describeError(error)}`);
        const refusal = new StoreUnavailableError(`cannot write the log: ${describeError(error)}`);
        this.settle(batch, refusal);
        continue;
      }
      const records = batch.map((p) => numbered(p.record, this.nextSeq++));
      this.queuedSeqs = records.length;
      try {
        let text = '';
        for (const r of records) text += recordLine(r) + '\n';
        const started = performance.now();
        await this.open.journal!.append(text);
        this.countWrite(records.length, performance.now() - started);
        this.queuedSeqs = 0;
      } catch (error) {
        // Numbers of a failed batch are reused: nothing of it reached the log.
        this.queuedSeqs = 0;
        this.nextSeq -= records.length;
        this.setHealth({ ok: false, error: describeError(error) });
        this.log.error(`log write failed, ${records.length} event(s) refused: ${describeError(error)}`);
        const refusal = new StoreUnavailableError(`cannot write the log: ${describeError(error)}`);
        this.settle(batch, refusal);
        continue;
      }
      if (!this.healthState.ok) {
        this.log.info('log writes work again');
        this.setHealth({ ok: true, error: null });
      }
      for (const r of records) {
        this.open.records.push(r);
        this.openIds.add(r.id);
        this.index.add(r.id, this.open.info.n);
        addToInfo(this.open.info, r);
      }
      this.countCache.clear();
      for (let i = 0; i < batch.length; i++) {
        this.pendingIds.delete(records[i]!.id);
        batch[i]!.resolve({ stored: true, record: records[i]! });
      }
      this.emit('added', records);
      if (this.open.records.length >= this.segmentSize) this.sealOpen();
    }
  }

  private countWrite(events: number, ms: number): void {
    this.stats.writes++;
    this.stats.events += events;
    this.stats.totalMs += ms;
    if (ms > this.stats.maxMs) this.stats.maxMs = ms;
  }

  /** Group commits since the store opened (a copy). */
  get writeStats(): WriteStats {
    return { ...this.stats };
  }

  private settle(batch: Pending[], refusal: StoreUnavailableError): void {
    for (const p of batch) {
      this.pendingIds.delete(p.record.id);
      p.reject(refusal);
    }
  }

  /** Waits for every queued write (and segment seal) to finish. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    await this.sealChain;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.open.journal?.close();
    if (this.readOnly) return;
    await this.saveManifest().catch((error) => this.log.warn(`manifest not saved: ${describeError(error)}`));
  }

  // ---- sealing -------------------------------------------------------------------------------

  private sealOpen(): void {
    const done = this.open;
    this.sealing.set(done.info.n, done.records);
    // The open segment's id set moves with it (copying 5,000 ids was part of every seal's pause).
    this.sealingIds.set(done.info.n, this.openIds);
    this.segmentCache.set(done.info.n, done.records);
    this.openIds = new Set();
    this.open = this.newOpenSegment(done.info.n + 1, null, false);
    void done.journal?.close(); // its file is deleted once sealed; nothing reopens it meanwhile
    this.sealChain = this.sealChain.then(() => this.writeSealed(done.info.n, done.records));
  }

  private async writeSealed(n: number, records: DeletionRecord[], attempt = 1): Promise<void> {
    try {
      await this.writeSegmentFile(n, records);
    } catch (error) {
      // The journal still holds every record, so nothing is lost; try again later (and at start).
      this.log.warn(`segment ${n} not written (attempt ${attempt}): ${describeError(error)}`);
      if (!this.closed) setTimeout(() => void (this.sealChain = this.sealChain.then(() => this.writeSealed(n, records, attempt + 1))), Math.min(60_000, 1000 * attempt)).unref();
      return;
    }
    this.sealing.delete(n);
    this.sealingIds.delete(n);
    await this.saveManifest().catch((error) => this.log.warn(`manifest not saved: ${describeError(error)}`));
    await unlink(this.journalPath(n)).catch(() => undefined);
  }

  private async writeSegmentFile(n: number, records: DeletionRecord[]): Promise<void> {
    const file = this.segmentPath(n);
    const db = new Low<SegmentFile>(new DurableJsonFile(file, { fsync: this.fsync }), encodeSegment(records));
    await db.write();
    await writeFileDurably(this.idsPath(n), packIds(records.map((r) => r.id)), this.fsync);
    const tally = tallyOf(records);
    await writeFileDurably(this.tallyPath(n), encodeTally(tally), this.fsync);
    this.tallies.set(n, tally);
    const info = infoOf(n, records);
    info.bytes = statSync(file).size;
    this.sealed = this.sealed.filter((s) => s.n !== n).concat(info).sort((a, b) => a.n - b.n);
  }

  /** Fills the id index from the side files (regenerating a missing or damaged one from its segment). */
  private async rebuildIndex(): Promise<void> {
    this.index.clear();
    this.index.reserve(this.total);
    for (const info of this.sealed) {
      let packed: Buffer | null = null;
      try {
        packed = readFileSync(this.idsPath(info.n));
      } catch {
        packed = null;
      }
      if (!packed || packed.length !== info.count * 8) {
        const records = await this.readUncached(info.n);
        packed = packIds(records.map((r) => r.id));
        await writeFileDurably(this.idsPath(info.n), packed, this.fsync).catch(() => undefined);
      }
      this.index.addPacked(packed, info.n);
    }
    for (const [n, ids] of this.sealingIds) for (const id of ids) this.index.add(id, n);
    for (const id of this.openIds) this.index.add(id, this.open.info.n);
  }

  private saveManifest(): Promise<void> {
    this.manifest.data = { format: 1, segments: this.sealed };
    return this.manifest.write();
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Every segment, newest first, with a way to get its records (oldest first within it). */
  private segmentsNewestFirst(): { info: SegmentInfo; load: () => Promise<DeletionRecord[]> }[] {
    const list: { info: SegmentInfo; load: () => Promise<DeletionRecord[]> }[] = [];
    const open = this.open;
    list.push({ info: open.info, load: async () => open.records });
    for (const [n, records] of [...this.sealing].reverse()) list.push({ info: infoOf(n, records), load: async () => records });
    for (let i = this.sealed.length - 1; i >= 0; i--) {
      const info = this.sealed[i]!;
      list.push({ info, load: () => this.readSegment(info.n) });
    }
    return list;
  }

  private async readSegment(n: number): Promise<DeletionRecord[]> {
    const cached = this.segmentCache.get(n) ?? this.sealing.get(n);
    if (cached) return cached;
    const file = this.segmentPath(n);
    try {
      const records = await readSegmentFile(file);
      this.segmentCache.set(n, records);
      return records;
    } catch (error) {
      this.moveAside(file, describeError(error));
      if (this.readOnly) return [];
      this.sealed = this.sealed.filter((s) => s.n !== n);
      this.countCache.clear();
      await this.saveManifest().catch(() => undefined);
      return [];
    }
  }

  private async countIn(segment: { info: SegmentInfo; load: () => Promise<DeletionRecord[]> }, filter: StoreFilter, key: string): Promise<number> {
    const quick = countFromInfo(segment.info, filter);
    if (quick !== null) return quick;
    const cacheKey = `${segment.info.n}:${segment.info.count}:${key}`;
    const cached = this.countCache.get(cacheKey);
    if (cached !== undefined) return cached;
    let count = 0;
    for (const r of await segment.load()) if (matches(r, filter)) count++;
    this.countCache.set(cacheKey, count);
    return count;
  }

  /** Counts deletions matching a filter (test deletions only when it asks for them). */
  async count(filter: StoreFilter): Promise<number> {
    if (isEmptyFilter(filter)) return this.total;
    const key = JSON.stringify(filter);
    let total = 0;
    for (const segment of this.segmentsNewestFirst()) total += await this.countIn(segment, filter, key);
    return total;
  }

  /** A page of deletions, newest first. */
  async query(query: DeletionQuery): Promise<DeletionPage> {
    const { filter } = query;
    const limit = Math.max(0, Math.min(MAX_PAGE, query.limit));
    let skip = Math.max(0, query.offset);
    const key = JSON.stringify(filter);
    const segments = this.segmentsNewestFirst();
    const counts = await Promise.all(segments.map((s) => this.countIn(s, filter, key)));
    const total = counts.reduce((a, b) => a + b, 0);
    const rows: DeletionRecord[] = [];
    for (let i = 0; i < segments.length && rows.length < limit; i++) {
      if (skip >= counts[i]!) {
        skip -= counts[i]!;
        continue;
      }
      const records = await segments[i]!.load();
      for (let j = records.length - 1; j >= 0 && rows.length < limit; j--) {
        const r = records[j]!;
        if (!matches(r, filter)) continue;
        if (skip > 0) skip--;
        else rows.push(r);
      }
    }
    return { total, rows };
  }

  /**
   * Matching deletions oldest first, one segment's worth at a time (flat memory for exports). The next
   * segment is read while the caller works on the current one, so disk and CPU overlap.
   */
  async *scan(filter: DeletionFilter): AsyncGenerator<DeletionRecord[]> {
    const segments = this.segmentsNewestFirst()
      .reverse()
      .filter((segment) => countFromInfo(segment.info, filter) !== 0);
    const read = (segment: (typeof segments)[number]): Promise<DeletionRecord[]> => {
      const n = segment.info.n;
      const inMemory = this.segmentCache.get(n) ?? (segment.info === this.open.info || this.sealing.has(n) ? null : undefined);
      if (inMemory) return Promise.resolve(inMemory);
      return inMemory === null ? segment.load() : this.readUncached(n);
    };
    let next = segments.length > 0 ? read(segments[0]!) : null;
    for (let i = 0; i < segments.length; i++) {
      const records = await next!;
      next = i + 1 < segments.length ? read(segments[i + 1]!) : null;
      const selected = isEmptyFilter(filter) ? records.slice() : records.filter((r) => matches(r, filter));
      if (selected.length > 0) yield selected;
    }
  }

  /** Reads a sealed segment without evicting what the UI is looking at from the cache. */
  private async readUncached(n: number): Promise<DeletionRecord[]> {
    try {
      const data = await new DurableJsonFile<SegmentFile>(this.segmentPath(n)).read();
      return data === null ? [] : decodeSegment(data); // gone: removed by retention since the listing
    } catch {
      return this.readSegment(n); // moves it aside and reports
    }
  }

  /**
   * What the activity view adds up: every sealed segment's tallies (from its `.tally` file, read once and
   * then kept; rebuilt from the segment when missing or not matching it) and the records not sealed yet
   * (the open segment and those being written), oldest first.
   */
  async activitySources(): Promise<{ sealed: { info: SegmentInfo; tally: SegmentTally }[]; unsealed: DeletionRecord[][] }> {
    while (this.sealed.some((info) => !this.tallies.has(info.n))) {
      this.tallyLoad ??= this.loadTallies().finally(() => (this.tallyLoad = null));
      await this.tallyLoad;
    }
    const sealed = this.sealed.map((info) => ({ info, tally: this.tallies.get(info.n)! }));
    // A segment just written is in both lists for a moment: count it once, from its tally.
    const written = new Set(this.sealed.map((info) => info.n));
    const unsealed = [...this.sealing].filter(([n]) => !written.has(n)).map(([, records]) => records);
    unsealed.push(this.open.records);
    return { sealed, unsealed };
  }

  private async loadTallies(): Promise<void> {
    for (const info of this.sealed) {
      if (this.tallies.has(info.n)) continue;
      let tally: SegmentTally | null = null;
      try {
        tally = decodeTally(await readFile(this.tallyPath(info.n), 'utf8'));
        if (tallyTotal(tally) !== info.count) tally = null;
      } catch {
        tally = null;
      }
      if (!tally) {
        // Missing (a log from before tallies), damaged or stale: count the segment again, once.
        tally = tallyOf(await this.readUncached(info.n));
        if (!this.readOnly) await writeFileDurably(this.tallyPath(info.n), encodeTally(tally), this.fsync).catch(() => undefined);
      }
      this.tallies.set(info.n, tally);
    }
  }

  facets(): { portals: string[]; events: string[]; entityTypeIds: number[] } {
    const infos = [...this.sealed, this.open.info];
    for (const [n, records] of this.sealing) infos.push(infoOf(n, records));
    return facetsOf(infos);
  }

  /**
   * The highest seq retention has removed (every row at or below it is gone: segments are removed oldest
   * first, and seqs grow with segments); 0 when none was. Kept beside-the-log data follows it.
   */
  expiredThroughSeq = 0;

  /** Deletes whole sealed segments whose every record is older than `days` days. Returns records removed. */
  async applyRetention(days: number, now = Date.now()): Promise<number> {
    await this.sealChain; // segments still being written become candidates once on disk
    const cutoff = now - days * 86_400_000;
    const expired = this.sealed.filter((s) => s.maxReceivedAt < cutoff);
    if (expired.length === 0) return 0;
    this.sealed = this.sealed.filter((s) => s.maxReceivedAt >= cutoff);
    await this.saveManifest();
    for (const info of expired) {
      this.segmentCache.delete(info.n);
      this.idCache.delete(info.n);
      this.tallies.delete(info.n);
      await unlink(this.segmentPath(info.n)).catch(() => undefined);
      await unlink(this.idsPath(info.n)).catch(() => undefined);
      await unlink(this.tallyPath(info.n)).catch(() => undefined);
    }
    this.countCache.clear();
    await this.rebuildIndex();
    for (const info of expired) this.expiredThroughSeq = Math.max(this.expiredThroughSeq, info.maxSeq);
    const removed = expired.reduce((a, s) => a + s.count, 0);
    this.log.info(`retention: removed ${removed} deletion(s) older than ${days} day(s) in ${expired.length} segment(s)`);
    return removed;
  }

  // ---- start-up recovery ---------------------------------------------------------------------

  private async recover(): Promise<void> {
    const names = readdirSync(this.dir);
    if (this.readOnly) return this.recoverReadOnly(names);
    // A temp file is a write that did not finish: its target, if any, is the last complete version.
    for (const name of names.filter((n) => n.endsWith(TEMP_SUFFIX))) {
      const target = name.slice(0, -TEMP_SUFFIX.length);
      const temp = path.join(this.dir, name);
      if (!names.includes(target) && SEGMENT_FILE.test(target) && (await this.parses(temp))) {
        renameSync(temp, path.join(this.dir, target));
        names.push(target);
        this.log.warn(`recovered ${target} from its temp file`);
      } else if (!SEGMENT_FILE.test(target)) {
        unlinkSync(temp); // the manifest and id files are derived from the segments: rebuilt below
      } else if (names.includes(target.replace(SEGMENT_FILE, 'journal-$1.jsonl'))) {
        unlinkSync(temp); // sealing did not finish, and the journal still holds every record: sealed again below
        this.log.warn(`dropped the unfinished write ${name}: its journal is complete`);
      } else {
        this.moveAside(temp, 'unfinished write');
      }
    }

    let known = new Map<number, SegmentInfo>();
    try {
      await this.manifest.read();
      known = new Map((this.manifest.data?.segments ?? []).map((s) => [s.n, s]));
    } catch (error) {
      this.moveAside(path.join(this.dir, 'manifest.json'), describeError(error));
    }

    const sealed: SegmentInfo[] = [];
    for (const name of names) {
      const match = SEGMENT_FILE.exec(name);
      if (!match) continue;
      const n = Number(match[1]);
      const file = path.join(this.dir, name);
      const info = known.get(n);
      if (info && info.bytes === statSync(file).size) {
        sealed.push(info);
        continue;
      }
      // Not in the manifest or changed size: read it to rebuild its tallies (or find it damaged).
      try {
        const fresh = infoOf(n, await readSegmentFile(file));
        fresh.bytes = statSync(file).size;
        sealed.push(fresh);
      } catch (error) {
        this.moveAside(file, describeError(error));
      }
    }
    this.sealed = sealed.sort((a, b) => a.n - b.n);
    for (const info of this.sealed) this.nextSeq = Math.max(this.nextSeq, info.maxSeq + 1);

    const journals = names
      .map((name) => JOURNAL_FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const sealedNumbers = new Set(this.sealed.map((s) => s.n));
    let openNumber = Math.max(0, ...this.sealed.map((s) => s.n), ...journals) + 1;
    let openRecords: { records: DeletionRecord[]; validBytes: number } | null = null;
    for (const n of journals) {
      const file = this.journalPath(n);
      if (sealedNumbers.has(n)) {
        unlinkSync(file); // sealed after its last append: the segment holds all of it
        continue;
      }
      const read = this.readJournalRecords(file);
      for (const r of read.records) this.nextSeq = Math.max(this.nextSeq, r.seq + 1);
      if (n === journals[journals.length - 1]) {
        openNumber = n;
        openRecords = read;
      } else if (read.records.length > 0) {
        await this.writeSegmentFile(n, read.records);
        unlinkSync(file);
      } else {
        unlinkSync(file);
      }
    }
    this.open = this.newOpenSegment(openNumber, openRecords);
    await this.saveManifest();
    await this.rebuildIndex();
    if (this.open.records.length >= this.segmentSize) this.sealOpen();
  }

  /** Loads what is there without touching a file: unsealed journals become in-memory segments. */
  private async recoverReadOnly(names: string[]): Promise<void> {
    let known = new Map<number, SegmentInfo>();
    try {
      await this.manifest.read();
      known = new Map((this.manifest.data?.segments ?? []).map((s) => [s.n, s]));
    } catch {
      /* rebuilt below from the segments themselves */
    }
    for (const name of names) {
      const match = SEGMENT_FILE.exec(name);
      if (!match) continue;
      const n = Number(match[1]);
      const info = known.get(n);
      if (info && info.bytes === statSync(path.join(this.dir, name)).size) {
        this.sealed.push(info);
        continue;
      }
      const records = await this.readUncached(n);
      if (records.length > 0) this.sealed.push({ ...infoOf(n, records), bytes: statSync(path.join(this.dir, name)).size });
    }
    this.sealed.sort((a, b) => a.n - b.n);
    const sealedNumbers = new Set(this.sealed.map((s) => s.n));
    const journals = names
      .map((name) => JOURNAL_FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .filter((n) => !sealedNumbers.has(n))
      .sort((a, b) => a - b);
    const last = journals.pop();
    for (const n of journals) {
      const { records } = this.readJournalRecords(this.journalPath(n));
      this.sealing.set(n, records);
      this.sealingIds.set(n, new Set(records.map((r) => r.id)));
    }
    const openRecords = last === undefined ? [] : this.readJournalRecords(this.journalPath(last)).records;
    this.open = { info: infoOf(last ?? 0, openRecords), records: openRecords, journal: null };
    for (const r of openRecords) this.openIds.add(r.id);
    this.nextSeq = Math.max(1, ...this.sealed.map((s) => s.maxSeq + 1), ...openRecords.map((r) => r.seq + 1));
  }

  private readJournalRecords(file: string): { records: DeletionRecord[]; validBytes: number } {
    const { lines, truncatedBytes } = readJournal(file);
    if (truncatedBytes > 0) this.log.warn(`${path.basename(file)}: cut ${truncatedBytes} byte(s) of an unfinished write`);
    const records: DeletionRecord[] = [];
    let validBytes = 0;
    let damaged = 0;
    for (const line of lines) {
      validBytes += Buffer.byteLength(line) + 1;
      try {
        const r = JSON.parse(line) as DeletionRecord;
        if (typeof r.id !== 'string' || typeof r.seq !== 'number') throw new Error('not a record');
        records.push(r);
      } catch {
        damaged++;
      }
    }
    if (damaged > 0 && this.readOnly) this.reportDamaged(file, `${damaged} unreadable line(s)`);
    else if (damaged > 0) {
      // Keep a copy of the damaged journal for inspection; the readable records carry on.
      const copy = path.join(this.dir, 'damaged', `${path.basename(file)}.${Date.now()}`);
      mkdirSync(path.dirname(copy), { recursive: true });
      writeFileDurably(copy, lines.join('\n'), false).catch(() => undefined);
      this.reportDamaged(copy, `${damaged} unreadable line(s)`);
    }
    return { records, validBytes };
  }

  /** `openJournal` false (a segment opened by sealing): drain() creates the journal file at the first append. */
  private newOpenSegment(n: number, existing: { records: DeletionRecord[]; validBytes: number } | null, openJournal = true): OpenSegment {
    const records = existing?.records ?? [];
    const segment: OpenSegment = {
      info: emptyInfo(n),
      records,
      journal: openJournal ? new Journal(this.journalPath(n), existing ? existing.validBytes : 0, this.fsync) : null,
    };
    for (const r of records) {
      addToInfo(segment.info, r);
      this.openIds.add(r.id);
    }
    return segment;
  }

  private async parses(file: string): Promise<boolean> {
    try {
      await readSegmentFile(file);
      return true;
    } catch {
      return false;
    }
  }

  /** Renames a damaged file into `damaged/` (never deletes it) and reports it. */
  private moveAside(file: string, reason: string): void {
    if (this.readOnly) return this.reportDamaged(file, reason);
    const target = path.join(this.dir, 'damaged', `${path.basename(file)}.${Date.now()}`);
    try {
      mkdirSync(path.dirname(target), { recursive: true });
      renameSync(file, target);
      this.reportDamaged(target, reason);
    } catch (error) {
      this.log.error(`could not move ${file} aside: ${describeError(error)}`);
    }
  }

  private reportDamaged(file: string, reason: string): void {
    this.log.error(`damaged file moved aside: ${file} (${reason})`);
    this.setHealth({ quarantinedFiles: [...this.healthState.quarantinedFiles, file] });
  }

  private setHealth(patch: Partial<StoreHealth>): void {
    this.healthState = { ...this.healthState, ...patch };
    this.emit('health', this.healthState);
  }

  private segmentPath(n: number): string {
    return path.join(this.dir, `seg-${pad(n)}.json`);
  }

  private idsPath(n: number): string {
    return path.join(this.dir, `seg-${pad(n)}.ids`);
  }

  private tallyPath(n: number): string {
    return path.join(this.dir, `seg-${pad(n)}.tally`);
  }

  private journalPath(n: number): string {
    return path.join(this.dir, `journal-${pad(n)}.jsonl`);
  }
}

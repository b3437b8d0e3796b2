/**
 * Every stored record's id, as a 64-bit hash with the number of the segment holding it, in an
 * open-addressing table of 12-byte slots filled up to 3/4 (16-32 bytes a record: 25 MB for a million). De-duplication asks it first;
 * only a hit (a real duplicate, or a 1-in-2^64 collision) reads the segment to be exact.
 * Sealed segments keep their hashes in a side file (`seg-N.ids`) so start-up never parses history.
 */

const EMPTY = 0; // segment numbers start at 1

/**
 * The table grows (doubles) beyond this share of used slots. Linear probing at 3/4 still answers the
 * common question, "is this new id stored?", in ~8 slot reads; at 1/2 the table took half again the memory.
 */
const MAX_LOAD = 0.75;
const fits = (count: number, capacity: number): boolean => count <= capacity * MAX_LOAD;

/** The 64-bit hash of a record id (the id is base64url of a SHA-256 prefix: its first 8 bytes). */
export function idHash(id: string): { lo: number; hi: number } {
  // Decoded by hand: Buffer.from() twice an event (look-up and insert) was 2% of serve's allocation under
  // load (a heap-sampling profile), and a call into C++ each time.
  let lo = 0;
  let hi = 0;
  let bits = 0;
  let pending = 0;
  let byte = 0;
  for (let i = 0; i < 11; i++) {
    const c = id.charCodeAt(i);
    const d = c < 128 ? BASE64URL[c]! : -1;
    if (d < 0) return bufferHash(id); // not base64url (never from deletionId): Buffer's rules, as before
    pending = (pending << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const value = (pending >> bits) & 255;
      pending &= (1 << bits) - 1;
      if (byte < 4) lo |= value << (8 * byte);
      else hi |= value << (8 * (byte - 4));
      byte++;
    }
  }
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

/** The same hash through Buffer (ids that are not plain base64url, and the test's reference). */
export function bufferHash(id: string): { lo: number; hi: number } {
  const bytes = Buffer.alloc(8);
  Buffer.from(id.slice(0, 11), 'base64url').copy(bytes);
  return { lo: bytes.readUInt32LE(0), hi: bytes.readUInt32LE(4) };
}

const BASE64URL = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL[c.charCodeAt(0)] = i;

/** Packs the hashes of ids into the side-file format: (lo, hi) little-endian pairs. */
export function packIds(ids: Iterable<string>): Buffer {
  const list = [...ids];
  const out = Buffer.alloc(list.length * 8);
  list.forEach((id, i) => {
    const { lo, hi } = idHash(id);
    out.writeUInt32LE(lo, i * 8);
    out.writeUInt32LE(hi, i * 8 + 4);
  });
  return out;
}

/** Old slots copied per insert while a grown table is filled (spreads a rehash over many inserts). */
const MIGRATE_STEP = 256;

interface Table {
  lo: Uint32Array;
  hi: Uint32Array;
  seg: Uint32Array;
}

function newTable(capacity: number): Table {
  return { lo: new Uint32Array(capacity), hi: new Uint32Array(capacity), seg: new Uint32Array(capacity) };
}

function probe(t: Table, lo: number, hi: number, found: number[]): void {
  const mask = t.seg.length - 1;
  for (let i = lo & mask; t.seg[i] !== EMPTY; i = (i + 1) & mask) {
    if (t.lo[i] === lo && t.hi[i] === hi && !found.includes(t.seg[i]!)) found.push(t.seg[i]!);
  }
}

function holds(t: Table, lo: number, hi: number): boolean {
  const mask = t.seg.length - 1;
  for (let i = lo & mask; t.seg[i] !== EMPTY; i = (i + 1) & mask) if (t.lo[i] === lo && t.hi[i] === hi) return true;
  return false;
}

export class IdIndex {
  private table: Table;
  /**
   * After a growth, the previous table: read-only, still consulted by lookups, and copied into the new
   * one a few slots per insert. Growing by rehashing everything at once would hold the event loop for
   * ~0.25 s at a million ids (every acknowledgement waits behind it).
   */
  private old: Table | null = null;
  private migrated = 0;
  private used = 0;

  constructor(capacity = 1 << 14) {
    this.table = newTable(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** Whether any segment may hold `id`: the common question ("is this new id stored?"), asked without allocating. */
  mayHold(id: string): boolean {
    const { lo, hi } = idHash(id);
    return holds(this.table, lo, hi) || (this.old !== null && holds(this.old, lo, hi));
  }

  /** Segments that may hold `id` (usually none). */
  segmentsOf(id: string): number[] {
    const { lo, hi } = idHash(id);
    const found: number[] = [];
    probe(this.table, lo, hi, found);
    if (this.old) probe(this.old, lo, hi, found);
    return found;
  }

  add(id: string, segment: number): void {
    const { lo, hi } = idHash(id);
    if (!fits(this.used + 1, this.table.seg.length)) this.startGrowing();
    this.place(lo, hi, segment);
    this.used++;
    if (this.old) this.migrate(MIGRATE_STEP);
  }

  /** Adds every hash of a packed side file. */
  addPacked(packed: Buffer, segment: number): void {
    const pairs = Math.floor(packed.length / 8);
    this.reserve(this.used + pairs);
    // One typed view instead of two readUInt32LE calls per id (little-endian hosts: x64, arm64).
    const aligned = packed.byteOffset % 4 === 0 ? packed : Buffer.from(packed);
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, pairs * 2);
    for (let k = 0; k < words.length; k += 2) this.place(words[k]!, words[k + 1]!, segment);
    this.used += pairs;
  }

  /** Makes room for `count` ids at once (start-up: one allocation instead of a rehash per doubling). */
  reserve(count: number): void {
    let capacity = this.table.seg.length;
    while (!fits(count + 1, capacity)) capacity *= 2;
    if (capacity === this.table.seg.length) return;
    if (this.old) this.migrate(Infinity);
    const previous = this.table;
    this.table = newTable(capacity);
    this.old = previous;
    this.migrated = 0;
    this.migrate(Infinity);
  }

  clear(): void {
    this.table.seg.fill(EMPTY);
    this.old = null;
    this.used = 0;
  }

  private place(lo: number, hi: number, segment: number): void {
    const { table } = this;
    const mask = table.seg.length - 1;
    let i = lo & mask;
    while (table.seg[i] !== EMPTY) i = (i + 1) & mask;
    table.lo[i] = lo;
    table.hi[i] = hi;
    table.seg[i] = segment;
  }

  private startGrowing(): void {
    if (this.old) this.migrate(Infinity); // cannot happen with MIGRATE_STEP >= 2, but stay correct
    this.old = this.table;
    this.table = newTable(this.old.seg.length * 2);
    this.migrated = 0;
  }

  /** Copies up to `slots` slots of the old table; drops it once all are copied. */
  private migrate(slots: number): void {
    const old = this.old!;
    const end = Math.min(old.seg.length, this.migrated + slots);
    for (let i = this.migrated; i < end; i++) if (old.seg[i] !== EMPTY) this.place(old.lo[i]!, old.hi[i]!, old.seg[i]!);
    this.migrated = end;
    if (end === old.seg.length) this.old = null;
  }
}

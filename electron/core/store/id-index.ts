/**
 * Every stored record's id, as a 64-bit hash with the number of the segment holding it, in an
 * open-addressing table (12 bytes a record: about 25 MB for a million). De-duplication asks it first;
 * only a hit (a real duplicate, or a 1-in-2^64 collision) reads the segment to be exact.
 * Sealed segments keep their hashes in a side file (`seg-N.ids`) so start-up never parses history.
 */

const EMPTY = 0; // segment numbers start at 1

/** The 64-bit hash of a record id (the id is base64url of a SHA-256 prefix: its first 8 bytes). */
export function idHash(id: string): { lo: number; hi: number } {
  const bytes = Buffer.from(id.slice(0, 11), 'base64url');
  return { lo: bytes.readUInt32LE(0), hi: bytes.readUInt32LE(4) };
}

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

export class IdIndex {
  private lo: Uint32Array;
  private hi: Uint32Array;
  private seg: Uint32Array;
  private used = 0;

  constructor(capacity = 1 << 14) {
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.seg = new Uint32Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** Segments that may hold `id` (usually none). */
  segmentsOf(id: string): number[] {
    const { lo, hi } = idHash(id);
    const mask = this.seg.length - 1;
    const found: number[] = [];
    for (let i = lo & mask; this.seg[i] !== EMPTY; i = (i + 1) & mask) {
      if (this.lo[i] === lo && this.hi[i] === hi) found.push(this.seg[i]!);
    }
    return found;
  }

  add(id: string, segment: number): void {
    const { lo, hi } = idHash(id);
    this.insert(lo, hi, segment);
  }

  /** Adds every hash of a packed side file. */
  addPacked(packed: Buffer, segment: number): void {
    for (let o = 0; o + 8 <= packed.length; o += 8) this.insert(packed.readUInt32LE(o), packed.readUInt32LE(o + 4), segment);
  }

  clear(): void {
    this.seg.fill(EMPTY);
    this.used = 0;
  }

  private insert(lo: number, hi: number, segment: number): void {
    if ((this.used + 1) * 2 > this.seg.length) this.grow();
    const mask = this.seg.length - 1;
    let i = lo & mask;
    while (this.seg[i] !== EMPTY) i = (i + 1) & mask;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.seg[i] = segment;
    this.used++;
  }

  private grow(): void {
    const { lo, hi, seg } = this;
    const capacity = seg.length * 2;
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.seg = new Uint32Array(capacity);
    this.used = 0;
    for (let i = 0; i < seg.length; i++) if (seg[i] !== EMPTY) this.insert(lo[i]!, hi[i]!, seg[i]!);
  }
}

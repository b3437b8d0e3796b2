/**
 * One shared copy of the strings that recur in every record (event name, portal, member id, endpoint).
 * A value cut out of a request body is a slice that keeps the whole body alive; held in the open
 * segment's records, every body (~600 bytes) survived the young generation and was promoted. A shared
 * flat copy lets each body die young. Bounded: a sender inventing values empties the table, no more.
 */
const MAX_ENTRIES = 512;

/**
 * A copy of `value` that refers to nothing else. A string cut from a request body keeps the whole body
 * alive, OAuth tokens included; whatever outlives its request keeps a copy instead. (JSON.parse builds
 * its strings anew; at worst they point into the short JSON text made here.)
 */
export function flatCopy(value: string): string {
  return JSON.parse(JSON.stringify(value)) as string;
}

export class Interner {
  private readonly table = new Map<string, string>();
  /** The last copy handed out: one field of one portal's stream repeats itself. */
  private last: string | null = null;

  /** `value`'s shared copy (made now when new). */
  of(value: string): string {
    if (value === this.last) return this.last;
    const known = this.table.get(value) ?? this.add(value);
    this.last = known;
    return known;
  }

  private add(value: string): string {
    if (this.table.size >= MAX_ENTRIES) this.table.clear();
    const copy = flatCopy(value);
    this.table.set(copy, copy);
    return copy;
  }

  /** Same, for an optional value. */
  ofNullable(value: string | null): string | null {
    return value === null ? null : this.of(value);
  }
}

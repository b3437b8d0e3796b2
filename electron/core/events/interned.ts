/**
 * One shared copy of the strings that recur in every record (event name, portal, member id, endpoint).
 * A value cut out of a request body is a slice that keeps the whole body alive; held in the open
 * segment's records, every body (~600 bytes) survived the young generation and was promoted. A shared
 * flat copy lets each body die young. Bounded: a sender inventing values empties the table, no more.
 */
const MAX_ENTRIES = 512;

export class Interner {
  private readonly table = new Map<string, string>();

  /** `value`'s shared copy (made now when new). */
  of(value: string): string {
    const known = this.table.get(value);
    if (known !== undefined) return known;
    if (this.table.size >= MAX_ENTRIES) this.table.clear();
    // JSON.parse builds a new flat string: no reference to the body `value` was cut from.
    const copy = JSON.parse(JSON.stringify(value)) as string;
    this.table.set(copy, copy);
    return copy;
  }

  /** Same, for an optional value. */
  ofNullable(value: string | null): string | null {
    return value === null ? null : this.of(value);
  }
}

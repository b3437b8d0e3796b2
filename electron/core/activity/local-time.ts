/**
 * Local days and hours of any IANA time zone, as instants: the edges of the activity chart's bars. The
 * viewer's zone comes with the request (the browser of `serve`'s dashboard may not share the core's).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The time zone the core runs in (`UTC` when the runtime cannot say). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallTime {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
}

/** The wall-clock date and time of an instant in a zone. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const out: WallTime = { y: 0, m: 0, d: 0, h: 0, min: 0 };
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type === 'year') out.y = Number(part.value);
    else if (part.type === 'month') out.m = Number(part.value);
    else if (part.type === 'day') out.d = Number(part.value);
    else if (part.type === 'hour') out.h = Number(part.value);
    else if (part.type === 'minute') out.min = Number(part.value);
  }
  return out;
}

/** The zone's offset from UTC at an instant (ms; local wall time = UTC + offset), to the minute. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min) - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The first instant of a local calendar day (its midnight, or the end of a daylight-saving gap that
 * swallowed midnight). `guess` is an offset likely in force (the previous day's), tried first.
 */
function dayStartOf(y: number, m: number, d: number, timeZone: string, guess: number): { at: number; offset: number } {
  const base = Date.UTC(y, m - 1, d);
  const isStart = (t: number): boolean => {
    const w = wallTime(t, timeZone);
    return w.y === y && w.m === m && w.d === d && w.h === 0 && w.min === 0;
  };
  if (isStart(base - guess)) return { at: base - guess, offset: guess };
  const offsets = new Set([offsetAt(base, timeZone), offsetAt(base - guess, timeZone), offsetAt(base - offsetAt(base, timeZone), timeZone)]);
  for (const offset of offsets) if (isStart(base - offset)) return { at: base - offset, offset };
  // Midnight did not happen (a gap at 00:00): the day starts when the gap ends, the earliest instant of that date.
  const candidates = [...offsets].map((o) => base - o).sort((a, b) => a - b);
  for (const t of candidates) {
    const w = wallTime(t, timeZone);
    if (w.y === y && w.m === m && w.d === d) return { at: t, offset: offsetAt(t, timeZone) };
  }
  return { at: candidates[0]!, offset: offsetAt(candidates[0]!, timeZone) };
}

/**
 * Edges of the local days (or hours) that cover [from, to): the first is the start of the day (hour)
 * holding `from`, the last is at or after `to`. Bucket i is [edges[i], edges[i + 1]).
 */
export function bucketEdges(from: number, to: number, unit: 'hour' | 'day', timeZone: string): number[] {
  if (unit === 'hour') {
    // Every zone in use is a whole number of quarter hours off UTC, and shifts by whole hours: a local
    // hour starts where the UTC quarter hour with the same minute-of-hour does.
    const w = wallTime(from, timeZone);
    const first = Math.floor(from / 60_000) * 60_000 - w.min * 60_000;
    const edges = [first];
    while (edges[edges.length - 1]! < to) edges.push(edges[edges.length - 1]! + 3_600_000);
    return edges;
  }
  const w = wallTime(from, timeZone);
  let { at, offset } = dayStartOf(w.y, w.m, w.d, timeZone, offsetAt(from, timeZone));
  const edges = [at];
  let day = Date.UTC(w.y, w.m - 1, w.d);
  while (at < to) {
    day += 86_400_000;
    const next = new Date(day);
    ({ at, offset } = dayStartOf(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone, offset));
    edges.push(at);
  }
  return edges;
}

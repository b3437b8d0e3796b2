/**
 * Geometry of a list of fixed-height rows that may be taller than a browser lets an element be
 * (about 33.5M px in Chromium, 17.9M px in Firefox; a million rows at 30 px is 30M px). Up to
 * `maxScrollPx` the scroll position is the list position; beyond it the scrollbar is scaled, so the
 * whole list stays reachable while wheel and keys still move by real pixels.
 */

/** Tallest scroll area we let the browser lay out. */
export const MAX_SCROLL_PX = 8_000_000;

export interface ScrollGeometry {
  /** Height of the whole list. */
  listHeight: number;
  /** Height of the element that makes the scrollbar. */
  scrollHeight: number;
  /** Largest list offset (top of the viewport). */
  maxOffset: number;
  /** Largest scrollTop. */
  maxScrollTop: number;
  /** List pixels per scroll pixel (1 when not scaled). */
  ratio: number;
  scaled: boolean;
}

export function scrollGeometry(count: number, rowHeight: number, viewportHeight: number, maxScrollPx = MAX_SCROLL_PX): ScrollGeometry {
  const listHeight = Math.max(0, count) * rowHeight;
  const scaled = listHeight > maxScrollPx;
  const scrollHeight = scaled ? maxScrollPx : listHeight;
  const maxOffset = Math.max(0, listHeight - viewportHeight);
  const maxScrollTop = Math.max(0, scrollHeight - viewportHeight);
  const ratio = scaled && maxScrollTop > 0 ? maxOffset / maxScrollTop : 1;
  return { listHeight, scrollHeight, maxOffset, maxScrollTop, ratio, scaled };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** List offset shown at a given scrollTop. */
export function offsetForScrollTop(scrollTop: number, g: ScrollGeometry): number {
  return clamp(scrollTop * g.ratio, 0, g.maxOffset);
}

/** scrollTop that shows a given list offset. */
export function scrollTopForOffset(offset: number, g: ScrollGeometry): number {
  return clamp(offset / g.ratio, 0, g.maxScrollTop);
}

export function clampOffset(offset: number, g: ScrollGeometry): number {
  return clamp(offset, 0, g.maxOffset);
}

/** Indexes of the rows to render for a viewport at `offset` (inclusive; empty when first > last). */
export function visibleRows(offset: number, viewportHeight: number, rowHeight: number, count: number, overscan: number): { first: number; last: number } {
  if (count === 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(offset / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.floor((offset + Math.max(viewportHeight, rowHeight) - 1) / rowHeight) + overscan);
  return { first, last };
}

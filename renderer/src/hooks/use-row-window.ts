/**
 * Virtual scrolling for fixed-height rows, newest on top, that keeps what the user reads still when
 * rows arrive above it.
 *
 * Only the rows in view (plus a few) are rendered. The list offset (`offset`, in list pixels) is the
 * source of truth; the scroll element's scrollTop follows it, scaled once the list is taller than a
 * browser can lay out (see scroll-geometry.ts). When `count` grows by N with the same `resetKey`, the
 * new rows are above everything: at the top (offset ~0) they simply appear; scrolled down, the offset
 * moves by N rows before the browser paints, so the same rows stay under the user's eyes, and
 * `newRows` counts them for a "jump to newest" control.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { clampOffset, offsetForScrollTop, scrollGeometry, scrollTopForOffset, visibleRows } from '../lib/scroll-geometry';

export interface RowWindowOptions {
  count: number;
  rowHeight: number;
  /** Changing it goes back to the top (a new filter). */
  resetKey: string;
  overscan?: number;
  /** Viewport height used until the element can be measured (and in layout-less test DOMs). */
  initialHeight?: number;
  maxScrollPx?: number;
}

export interface RowWindow {
  first: number;
  last: number;
  /** Height of the element inside the scroller (makes the scrollbar). */
  scrollHeight: number;
  /** Viewport height, for the sticky layer of a scaled list. */
  viewportHeight: number;
  /** True when the scrollbar is scaled: rows are drawn in a sticky layer at `rowTop`. */
  scaled: boolean;
  /** Where row `index` is drawn (in the list, or in the sticky layer when scaled). */
  rowTop(index: number): number;
  /** Rows that arrived above the view since the user scrolled away from the top. */
  newRows: number;
  atTop: boolean;
  jumpToNewest(): void;
  onScroll(): void;
  onKeyDown(event: KeyboardEvent<HTMLElement>): void;
}

export function useRowWindow(scrollRef: RefObject<HTMLElement | null>, options: RowWindowOptions): RowWindow {
  const { count, rowHeight, resetKey, overscan = 6, initialHeight = 480, maxScrollPx } = options;
  const [viewportHeight, setViewportHeight] = useState(initialHeight);
  const [offset, setOffset] = useState(0);
  const [newRows, setNewRows] = useState(0);
  const offsetRef = useRef(0);
  const countRef = useRef(count);
  const viewportRef = useRef(initialHeight);
  /** scrollTop we wrote ourselves: its scroll event must not recompute the (more precise) offset. */
  const ownWrite = useRef<number | null>(null);
  const previous = useRef({ count, resetKey });

  const geometry = scrollGeometry(count, rowHeight, viewportHeight, maxScrollPx);

  const moveTo = useCallback(
    (target: number, write: boolean) => {
      const g = scrollGeometry(countRef.current, rowHeight, viewportRef.current, maxScrollPx);
      const next = clampOffset(target, g);
      offsetRef.current = next;
      const el = scrollRef.current;
      if (write && el) {
        el.scrollTop = scrollTopForOffset(next, g);
        ownWrite.current = el.scrollTop;
      }
      setOffset(next);
      if (next < rowHeight / 2) setNewRows(0);
    },
    [scrollRef, rowHeight, maxScrollPx],
  );

  useLayoutEffect(() => {
    countRef.current = count;
  });

  // Rows arrived above, or the filter changed.
  useLayoutEffect(() => {
    const before = previous.current;
    previous.current = { count, resetKey };
    if (before.resetKey !== resetKey) {
      setNewRows(0);
      moveTo(0, true);
      return;
    }
    const added = count - before.count;
    if (added > 0 && offsetRef.current >= rowHeight / 2) {
      setNewRows((n) => n + added);
      moveTo(offsetRef.current + added * rowHeight, true);
    } else if (added < 0) {
      moveTo(offsetRef.current, true);
    }
  }, [count, resetKey, rowHeight, moveTo]);

  // Viewport size.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => {
      const height = el.clientHeight || initialHeight;
      viewportRef.current = height;
      setViewportHeight(height);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [scrollRef, initialHeight]);

  // A scaled scrollbar moves many rows per pixel: take the wheel and move by real pixels instead.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || !geometry.scaled) return;
    const onWheel = (event: WheelEvent) => {
      if (event.ctrlKey || event.deltaY === 0) return;
      event.preventDefault();
      const unit = event.deltaMode === 1 ? rowHeight : event.deltaMode === 2 ? viewportRef.current : 1;
      moveTo(offsetRef.current + event.deltaY * unit, true);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [scrollRef, geometry.scaled, rowHeight, moveTo]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const own = ownWrite.current;
    ownWrite.current = null;
    if (own !== null && Math.abs(el.scrollTop - own) < 1) return;
    const g = scrollGeometry(countRef.current, rowHeight, viewportRef.current, maxScrollPx);
    moveTo(offsetForScrollTop(el.scrollTop, g), false);
  }, [scrollRef, rowHeight, maxScrollPx, moveTo]);

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLElement>) => {
      if (event.target !== event.currentTarget || event.altKey || event.ctrlKey || event.metaKey) return;
      const page = Math.max(rowHeight, viewportRef.current - rowHeight);
      const steps: Record<string, number> = { ArrowDown: rowHeight, ArrowUp: -rowHeight, PageDown: page, PageUp: -page };
      let target: number;
      if (event.key in steps) target = offsetRef.current + steps[event.key]!;
      else if (event.key === 'Home') target = 0;
      else if (event.key === 'End') target = Number.MAX_SAFE_INTEGER;
      else if (event.key === ' ') target = offsetRef.current + (event.shiftKey ? -page : page);
      else return;
      event.preventDefault();
      moveTo(target, true);
    },
    [rowHeight, moveTo],
  );

  const jumpToNewest = useCallback(() => {
    setNewRows(0);
    moveTo(0, true);
  }, [moveTo]);

  const shown = clampOffset(offset, geometry);
  const { first, last } = visibleRows(shown, viewportHeight, rowHeight, count, overscan);
  return {
    first,
    last,
    scrollHeight: geometry.scrollHeight,
    viewportHeight,
    scaled: geometry.scaled,
    rowTop: (index) => (geometry.scaled ? index * rowHeight - shown : index * rowHeight),
    newRows,
    atTop: shown < rowHeight / 2,
    jumpToNewest,
    onScroll,
    onKeyDown,
  };
}

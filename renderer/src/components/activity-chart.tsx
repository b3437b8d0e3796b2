/**
 * The activity chart: one stacked bar per day (or hour), a colour per entity type, drawn on a canvas by
 * uPlot (loaded on first use, so the log's first paint does not wait for it). The canvas is one image to
 * assistive technology; the numbers themselves are in the table beside it (activity-view.tsx).
 * Clicking a bar picks its day (hour), and the type under the pointer.
 */
import { useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Activity } from '../../../electron/core/contract';

/** Colours of the stacked types, in order (CSS variables `--series-N`, light and dark). */
export const SERIES_COLOURS = 10;

export interface ActivityChartProps {
  activity: Activity;
  /** Short axis label of bucket i. */
  tickLabel: (i: number) => string;
  /** Grouped count, for the y axis. */
  count: (n: number) => string;
  label: string;
  /** A bar was clicked: its bucket, and the type segment under the pointer (null above the stack). */
  onPick: (bucket: number, typeIndex: number | null) => void;
  /** The pointer is over bucket i (null: left the chart). */
  onHover: (bucket: number | null) => void;
  height?: number;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Every how many buckets an x label fits (`labelPx` each): hours by divisors of a day, days by days and weeks. */
function labelStep(buckets: number, width: number, unit: Activity['granularity']): number {
  const fit = Math.max(1, Math.floor(width / (unit === 'hour' ? 96 : 70)));
  const raw = Math.ceil(buckets / fit);
  const steps = unit === 'hour' ? [1, 2, 3, 4, 6, 12, 24] : [1, 2, 3, 4, 7, 14, 28, 56, 91, 182, 364];
  for (const step of steps) if (step >= raw) return step;
  return steps.at(-1)!;
}

/** The buckets that get an x label: local hours divisible by the step (so midnight is one), or every step-th day. */
function labelledBuckets(activity: Activity, step: number): number[] {
  const out: number[] = [];
  activity.buckets.forEach((b, i) => {
    if (activity.granularity === 'hour' ? new Date(b.start).getHours() % step === 0 : i % step === 0) out.push(i);
  });
  return out;
}

export function ActivityChart({ activity, tickLabel, count, label, onPick, onHover, height = 260 }: ActivityChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [scheme, setScheme] = useState(0);
  const latest = useRef({ onPick, onHover, tickLabel, count });
  latest.current = { onPick, onHover, tickLabel, count };

  useEffect(() => {
    const el = box.current!;
    // (No layout, as in jsdom: a usual width, so the chart is still built.)
    const measure = (): void => setWidth(Math.floor(el.clientWidth) || 640);
    measure();
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    observer?.observe(el);
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    const recolour = (): void => setScheme((n) => n + 1);
    media?.addEventListener?.('change', recolour);
    return () => {
      observer?.disconnect();
      media?.removeEventListener?.('change', recolour);
    };
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el || width === 0) return;
    let chart: uPlot | null = null;
    let cancelled = false;
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const n = activity.buckets.length;
      const types = activity.entityTypeIds.length;
      // Stacks as overlapping bars: the tallest (all types) first, each type's running total drawn over it.
      const cumulative: number[][] = [];
      for (let t = 0; t < types; t++) cumulative.push(activity.buckets.map((b) => b.counts.slice(0, t + 1).reduce((a, c) => a + c, 0)));
      const order = cumulative.map((_, t) => types - 1 - t);
      const muted = cssVar('--text-muted', '#5b6777');
      const grid = cssVar('--border', '#d5dbe3');
      const font = `12px ${cssVar('--font', 'sans-serif')}`;
      const labelled = labelledBuckets(activity, labelStep(n, width, activity.granularity));
      const bars = UPlot.paths.bars!({ size: [0.8, 48, 1], align: 0 });
      const options: uPlot.Options = {
        width,
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false }, y: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, n - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          {
            stroke: muted,
            font,
            grid: { show: false },
            ticks: { show: false },
            splits: () => labelled,
            values: (_u, splits) => splits.map((i) => latest.current.tickLabel(i)),
          },
          {
            stroke: muted,
            font,
            size: 56,
            grid: { stroke: grid, width: 1 },
            ticks: { show: false },
            incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000],
            values: (_u, splits) => splits.map((v) => latest.current.count(v)),
          },
        ],
        series: [
          {},
          ...order.map((t) => {
            const colour = cssVar(`--series-${t % SERIES_COLOURS}`, '#1565c0');
            return { fill: colour, stroke: colour, width: 0, paths: bars, points: { show: false } };
          }),
        ],
        hooks: {
          setCursor: [(u) => latest.current.onHover(u.cursor.idx ?? null)],
        },
      };
      const data: uPlot.AlignedData = [activity.buckets.map((_, i) => i), ...order.map((t) => cumulative[t]!)];
      chart = new UPlot(options, data, el);
      const over = chart.over;
      over.addEventListener('click', () => {
        const u = chart!;
        const i = u.cursor.idx;
        if (i === null || i === undefined || !activity.buckets[i] || activity.buckets[i].total === 0) return;
        const value = u.posToVal(u.cursor.top ?? 0, 'y');
        let sum = 0;
        let picked: number | null = null;
        for (let t = 0; t < types; t++) {
          sum += activity.buckets[i].counts[t]!;
          if (value <= sum) {
            picked = t;
            break;
          }
        }
        latest.current.onPick(i, picked);
      });
      over.addEventListener('mouseleave', () => latest.current.onHover(null));
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [activity, width, height, scheme]);

  return <div ref={box} className="activity-chart" role="img" aria-label={label} data-testid="activity-chart" />;
}

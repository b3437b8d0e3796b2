/**
 * The main window's size and position, kept in a small JSON file in userData. What is read back is
 * validated (numbers, sane sizes, on a display that still exists); anything else falls back to defaults.
 */
import { readFileSync } from 'node:fs';

export interface WindowState {
  width: number;
  height: number;
  /** Absent: let the OS centre the window. */
  x?: number;
  y?: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1180, height: 760, maximized: false };
export const MIN_SIZE = { width: 720, height: 480 };
const MAX_SIDE = 16_384;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 100_000;

/** True when at least a 100×50 piece of the window's top edge lies on one of the displays. */
function visibleOn(bounds: Rect, displays: readonly Rect[]): boolean {
  return displays.some((d) => {
    const w = Math.min(bounds.x + bounds.width, d.x + d.width) - Math.max(bounds.x, d.x);
    const h = Math.min(bounds.y + 50, d.y + d.height) - Math.max(bounds.y, d.y);
    return w >= 100 && h >= 50;
  });
}

/** Validates a parsed state file against the current displays' work areas; defaults when unusable. */
export function validateWindowState(value: unknown, displays: readonly Rect[]): WindowState {
  if (typeof value !== 'object' || value === null) return { ...DEFAULT_WINDOW_STATE };
  const v = value as Record<string, unknown>;
  if (!isInt(v['width']) || !isInt(v['height'])) return { ...DEFAULT_WINDOW_STATE };
  const width = Math.min(Math.max(v['width'], MIN_SIZE.width), MAX_SIDE);
  const height = Math.min(Math.max(v['height'], MIN_SIZE.height), MAX_SIDE);
  const maximized = v['maximized'] === true;
  if (isInt(v['x']) && isInt(v['y']) && visibleOn({ x: v['x'], y: v['y'], width, height }, displays)) {
    return { width, height, x: v['x'], y: v['y'], maximized };
  }
  return { width, height, maximized };
}

/** Reads the state file (missing or broken → defaults). */
export function loadWindowState(file: string, displays: readonly Rect[]): WindowState {
  try {
    return validateWindowState(JSON.parse(readFileSync(file, 'utf8')) as unknown, displays);
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

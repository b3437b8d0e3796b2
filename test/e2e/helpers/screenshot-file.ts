/**
 * Writes a screenshot to docs/screenshots only when it shows something new: a picture that differs from
 * the committed one in no more than a few anti-aliased pixels (Chromium's rounding of a rounded corner
 * can move by one colour step between runs) leaves the file alone, so `npm run test:e2e` leaves the
 * working tree clean unless the UI changed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';

/** Before a picture: no hover highlight, no focus ring from the last click, fonts loaded, layout idle. */
export async function settle(page: Page): Promise<void> {
  await page.mouse.move(1, 1);
  await page.evaluate(async () => {
    const g = globalThis as unknown as { document: { activeElement: { blur?: () => void } | null; fonts: { ready: Promise<unknown> } } };
    g.document.activeElement?.blur?.();
    await g.document.fonts.ready;
  });
  await page.waitForTimeout(150);
}

/** Pixels allowed to differ, each by at most MAX_CHANNEL_STEP in every channel. */
const MAX_DIFF_PIXELS = 200;
const MAX_CHANNEL_STEP = 8;

/** Pixels that differ between two PNGs, or Infinity when their sizes differ or one differs a lot. */
export function differingPixels(a: Buffer, b: Buffer): number {
  const x = PNG.sync.read(a);
  const y = PNG.sync.read(b);
  if (x.width !== y.width || x.height !== y.height) return Infinity;
  let count = 0;
  for (let i = 0; i < x.data.length; i += 4) {
    let step = 0;
    for (let c = 0; c < 4; c++) step = Math.max(step, Math.abs(x.data[i + c]! - y.data[i + c]!));
    if (step === 0) continue;
    if (step > MAX_CHANNEL_STEP) return Infinity;
    count++;
  }
  return count;
}

/** Saves `png` at `file` unless the file already holds the same picture; says whether it wrote. */
export function saveScreenshot(file: string, png: Buffer): boolean {
  if (existsSync(file)) {
    const before = readFileSync(file);
    if (before.equals(png) || differingPixels(before, png) <= MAX_DIFF_PIXELS) return false;
  }
  writeFileSync(file, png);
  return true;
}

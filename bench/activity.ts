/**
 * `npm run bench:activity`: row A1 of `npm run bench` alone. A real `serve` (no tunnel) on a copy of the
 * cached 1M history (bench/lib/history.ts; `-- --size N` for another size); `getActivity` timed over the
 * dashboard's HTTP transport. Prints the row. `-- --without-tallies`: as a log from before the tallies
 * (they are rebuilt from the segments after start). `-- --screenshot FILE`: then the view itself, opened in
 * Chromium on that log, is saved as a PNG (what the README shows at 1M). Not part of `npm test`.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FIXTURE_TOKEN } from './lib/bodies.js';
import { cachedHistory, copyHistory } from './lib/history.js';
import { describeActivityTiming, timeActivity } from './lib/activity-timing.js';
import { memoryOf, startServe } from './lib/procs.js';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './lib/live-latency.js';

/** The activity view as a user opens it on this log: the Activity tab, the chart drawn, the page idle. */
async function screenshotActivity(dashboardUrl: string, file: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
    await page.goto(dashboardUrl);
    await page.getByRole('button', { name: 'Activity' }).click({ timeout: 10_000 });
    const chart = page.getByTestId('activity-chart');
    await chart.locator('canvas').first().waitFor();
    await page.locator('.activity[aria-busy]').waitFor({ state: 'detached' });
    const started = performance.now();
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    log(`screenshot: ${file} (chart label: ${await chart.getAttribute('aria-label')}; ${Math.round(performance.now() - started)} ms to capture)`);
  } finally {
    await browser.close();
  }
}

const { values } = parseArgs({ options: { size: { type: 'string' }, rounds: { type: 'string' }, 'without-tallies': { type: 'boolean' }, screenshot: { type: 'string' } }, strict: true });
const size = Number(values.size ?? 1_000_000);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const history = await cachedHistory(size, log);
const root = mkdtempSync(path.join(os.tmpdir(), 'b24dm-bench-activity-'));
try {
  const dataDir = path.join(root, 'data');
  copyHistory(history, dataDir);
  if (values['without-tallies']) {
    // A log written before tallies existed: the first call after start waits for every segment to be counted.
    const logDir = path.join(dataDir, 'log');
    for (const name of readdirSync(logDir)) if (name.endsWith('.tally')) rmSync(path.join(logDir, name));
    log('tally files removed: they are rebuilt from the segments after start');
  }
  const serve = await startServe(dataDir, { token: FIXTURE_TOKEN, dashboard: true });
  try {
    log(`serve on ${size.toLocaleString('en-US')} deletions: start → /health 200 in ${Math.round(serve.readyMs)} ms`);
    const timing = await timeActivity(serve.dashboardUrl!, Date.parse(history.generatedAt), Number(values.rounds ?? 5));
    log(describeActivityTiming(timing));
    log(`calls in order (ms; all, one type, one portal, last two days, repeated): ${timing.samplesMs.map((ms) => ms.toFixed(1)).join(' ')}`);
    const memory = memoryOf(serve.pid);
    log(`serve RSS after the calls: ${memory.rssMB.toFixed(0)} MB (peak ${memory.peakRssMB.toFixed(0)} MB)`);
    if (values.screenshot) await screenshotActivity(serve.dashboardUrl!, values.screenshot);
    const met = timing.maxMs <= 200 ? 'yes' : 'no';
    log(`\n| A1 | Activity view compute at ${size >= 1e6 ? `${size / 1e6}M` : size} deletions (getActivity over HTTP) | ${timing.medianMs.toFixed(1)} ms median | max ${timing.maxMs.toFixed(1)} ms of ${timing.samplesMs.length}; first after start ${timing.firstMs.toFixed(0)} ms | ≤ 200 ms | ${met} |`);
  } finally {
    await serve.stop();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

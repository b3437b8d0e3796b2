/**
 * Scenario 6: post → row visible in the dashboard, in Chromium. The page is opened on the dashboard
 * URL; a MutationObserver (installed with page.evaluate) stamps Date.now() the first time a cell
 * with a marked item id (>= MARKED_ID_BASE) appears. Marked events are posted from Node, stamped with
 * Date.now() just before the request (same machine, same clock), while a paced background load runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { bodyMaker, FORM_CONTENT_TYPE, MARKED_ID_BASE, nowSeconds } from './bodies.js';
import { childPath, spawnNode } from './procs.js';
import type { PacedResult } from '../children/paced-client.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface LiveLatencyResult {
  samples: number;
  seen: number;
  missed: number;
  p50: number;
  p95: number;
  max: number;
  /** Post → 200 of the marked events (ms). */
  ackP50: number;
  ackP95: number;
  /** Post → the push carrying the event reaches the page (ms). */
  pushP50: number;
  pushP95: number;
  /** Push reaches the page → row in the DOM (ms). */
  pushToRowP50: number;
  pushToRowP95: number;
  /** While sampling: deletionsAdded pushes a second, long tasks (> 50 ms) and the % of time they took. */
  page: { pushesPerS: number; longTasks: number; longTaskShare: number };
  /** Page open → first row in the table (ms). */
  firstRowsMs: number;
  background: PacedResult | null;
  latenciesMs: number[];
}

export type LiveLatencyOutcome = { skipped: string } | LiveLatencyResult;

export interface LiveLatencyOptions {
  dashboardUrl: string;
  eventsUrl: string;
  samples: number;
  /** Pause between marked posts (ms). */
  gapMs: number;
  backgroundRate: number;
  backgroundIdBase: number;
  log: (line: string) => void;
}

interface PageStats {
  pushes: number;
  longTasks: number;
  longTaskMs: number;
  at: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const RENDERER_DIR = path.resolve('dist/renderer');

/** 'missing', 'development' (React's dev build: what `vite build` makes under NODE_ENV=test) or 'production'. */
export function rendererBuildKind(): 'missing' | 'development' | 'production' {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) return 'missing';
  const assets = path.join(RENDERER_DIR, 'assets');
  const scripts = existsSync(assets) ? readdirSync(assets).filter((n) => n.endsWith('.js')) : [];
  const dev = scripts.some((n) => readFileSync(path.join(assets, n), 'utf8').includes('Download the React DevTools'));
  return dev ? 'development' : 'production';
}

/**
 * Makes sure dist/renderer holds a production build (building it when missing or a development build);
 * returns what was done, or a reason to skip.
 */
export async function ensureProductionRenderer(log: (line: string) => void): Promise<{ note: string } | { skipped: string }> {
  const kind = rendererBuildKind();
  if (kind === 'production') return { note: 'dist/renderer: production build as found' };
  log(`  dist/renderer is ${kind === 'missing' ? 'not built' : 'a development build of React'}: building it (NODE_ENV=production vite build)`);
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (c) => resolve({ code: c, stderr: err }));
  });
  if (code !== 0 || rendererBuildKind() !== 'production') return { skipped: `skipped: renderer not built (vite build failed: ${stderr.trim().split('\n').pop() ?? code})` };
  return { note: `dist/renderer: rebuilt for production (was ${kind})` };
}

/** Why the scenario cannot run here, or null. */
export function liveLatencyBlocker(): string | null {
  if (rendererBuildKind() === 'missing') return 'skipped: renderer not built (npx vite build)';
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  return null;
}

function post(agent: http.Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers: { 'Content-Type': FORM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function measureLiveLatency(options: LiveLatencyOptions): Promise<LiveLatencyOutcome> {
  const blocker = liveLatencyBlocker();
  if (blocker) return { skipped: blocker };
  const { log } = options;
  let browser: Browser | null = null;
  const background = options.backgroundRate > 0
    ? spawnNode([childPath('paced-client'), JSON.stringify({ url: options.eventsUrl, rate: options.backgroundRate, durationS: 3600, idBase: options.backgroundIdBase })])
    : null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Stamps when a marked event's push reaches the page (wraps fetch of the event stream), to split the
    // latency into server side (post → push arrives) and page side (push → row in the DOM).
    await page.addInitScript(`(() => {
      const base = ${MARKED_ID_BASE};
      window.__benchSse = {};
      window.__benchStats = { pushes: 0, longTasks: 0, longTaskMs: 0 };
      try {
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            window.__benchStats.longTasks++;
            window.__benchStats.longTaskMs += entry.duration;
          }
        }).observe({ type: 'longtask' });
      } catch {}
      const original = window.fetch;
      window.fetch = async function (input, init) {
        const res = await original.call(this, input, init);
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (!url.includes('${'/api/events'}') || !res.body) return res;
        const decoder = new TextDecoder();
        const tap = new TransformStream({
          transform(chunk, controller) {
            const now = Date.now();
            const text = decoder.decode(chunk, { stream: true });
            window.__benchStats.pushes += text.split('event: deletionsAdded').length - 1;
            for (const m of text.matchAll(/"itemId":([0-9]{9,})/g)) if (Number(m[1]) >= base && !(m[1] in window.__benchSse)) window.__benchSse[m[1]] = now;
            controller.enqueue(chunk);
          },
        });
        return new Response(res.body.pipeThrough(tap), { status: res.status, statusText: res.statusText, headers: res.headers });
      };
    })()`);
    const opened = Date.now();
    await page.goto(options.dashboardUrl);
    await page.waitForSelector('[role="row"][data-id]', { state: 'attached', timeout: 30_000 });
    const firstRowsMs = Date.now() - opened;
    log(`  dashboard: first rows after ${firstRowsMs} ms`);
    // In-page code as a string: this file is compiled without the DOM library.
    await page.evaluate(`(() => {
      const base = ${MARKED_ID_BASE};
      window.__benchSeen = {};
      const check = () => {
        const now = Date.now();
        for (const cell of document.querySelectorAll('[role="row"] .col-item')) {
          const text = cell.textContent || '';
          if (text.length >= 9 && Number(text) >= base && !(text in window.__benchSeen)) window.__benchSeen[text] = now;
        }
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);

    // Let the background load settle before sampling.
    await new Promise((r) => setTimeout(r, 1500));
    const statsBefore = (await page.evaluate('({ ...window.__benchStats, at: Date.now() })')) as PageStats;
    const makeBody = bodyMaker();
    const url = new URL(options.eventsUrl);
    const postedAt = new Map<number, number>();
    const acks: number[] = [];
    const runMark = MARKED_ID_BASE + (Date.now() % 1_000_000) * 10;
    for (let i = 0; i < options.samples; i++) {
      const itemId = runMark + i;
      const t0 = Date.now();
      postedAt.set(itemId, t0);
      const status = await post(agent, url, makeBody(itemId, nowSeconds()));
      acks.push(Date.now() - t0);
      if (status !== 200) log(`  marked event ${itemId}: HTTP ${status}`);
      await new Promise((r) => setTimeout(r, options.gapMs));
    }
    // Stragglers: wait until every marked row was seen (or 10 s).
    const last = runMark + options.samples - 1;
    await page.waitForFunction(`(() => { for (let id = ${runMark}; id <= ${last}; id++) if (!(String(id) in window.__benchSeen)) return false; return true; })()`, undefined, { timeout: 10_000, polling: 100 }).catch(() => undefined);
    const statsAfter = (await page.evaluate('({ ...window.__benchStats, at: Date.now() })')) as PageStats;
    const windowS = (statsAfter.at - statsBefore.at) / 1000;
    const page_ = {
      pushesPerS: round1((statsAfter.pushes - statsBefore.pushes) / windowS),
      longTasks: statsAfter.longTasks - statsBefore.longTasks,
      longTaskShare: round1((100 * (statsAfter.longTaskMs - statsBefore.longTaskMs)) / (windowS * 1000)),
    };
    const seen = (await page.evaluate('window.__benchSeen')) as Record<string, number>;
    const pushed = (await page.evaluate('window.__benchSse')) as Record<string, number>;
    const latencies: number[] = [];
    const toPush: number[] = [];
    const pushToRow: number[] = [];
    for (const [itemId, t0] of postedAt) {
      const at = seen[String(itemId)];
      const pushAt = pushed[String(itemId)];
      if (at !== undefined) latencies.push(at - t0);
      if (pushAt !== undefined) toPush.push(pushAt - t0);
      if (at !== undefined && pushAt !== undefined) pushToRow.push(at - pushAt);
    }
    const sortedPush = toPush.sort((a, b) => a - b);
    const sortedPushToRow = pushToRow.sort((a, b) => a - b);
    const sorted = latencies.slice().sort((a, b) => a - b);
    const sortedAcks = acks.slice().sort((a, b) => a - b);
    let backgroundResult: PacedResult | null = null;
    if (background) {
      background.child.kill('SIGTERM');
      await background.exited;
      const last = background.stdout().trim().split('\n').pop() ?? '';
      backgroundResult = last.startsWith('{') ? (JSON.parse(last) as PacedResult) : null;
    }
    return {
      samples: options.samples,
      seen: latencies.length,
      missed: options.samples - latencies.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted[sorted.length - 1] ?? NaN,
      ackP50: percentile(sortedAcks, 50),
      ackP95: percentile(sortedAcks, 95),
      pushP50: percentile(sortedPush, 50),
      pushP95: percentile(sortedPush, 95),
      pushToRowP50: percentile(sortedPushToRow, 50),
      pushToRowP95: percentile(sortedPushToRow, 95),
      firstRowsMs,
      page: page_,
      background: backgroundResult,
      latenciesMs: latencies,
    };
  } finally {
    agent.destroy();
    await browser?.close().catch(() => undefined);
    if (background && background.child.exitCode === null) await background.stop(5000);
  }
}

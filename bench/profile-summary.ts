/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) by function: self time, its share of the busy (not
 * idle) samples and, given the requests answered in the window, the microseconds a request. Frames of
 * a bundle with a linked source map (dist/cli/serve.js) are named by their TypeScript source.
 *
 * Used by `npm run bench:profile` (bench/profile.ts); also runs alone:
 *   node scripts/run-ts.mjs bench/profile-summary.ts FILE.cpuprofile [--top N] [--requests N]
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  /** Source file and line (the TypeScript source when a source map says so). */
  where: string;
  selfMs: number;
  /** Share of the busy samples. */
  share: number;
  /** Self time per request answered in the window (null without a request count). */
  usPerRequest: number | null;
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  idleMs: number;
  requests: number | null;
  functions: FunctionCost[];
  files: { file: string; selfMs: number; share: number; usPerRequest: number | null }[];
}

/** Frames V8 files as pseudo-functions: kept, but named as such. */
const IDLE = '(idle)';

/** Looks up original positions in the source maps of bundled files (read once each). */
class SourceNames {
  private readonly maps = new Map<string, SourceMap | null>();

  where(frame: CallFrame): string {
    if (!frame.url) return '';
    if (!frame.url.startsWith('file:')) return `${frame.url}:${frame.lineNumber + 1}`;
    const file = fileURLToPath(frame.url);
    const map = this.mapOf(file);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource) {
      const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(file), entry.originalSource);
      return `${this.short(source)}:${(entry.originalLine ?? 0) + 1}`;
    }
    return `${this.short(file)}:${frame.lineNumber + 1}`;
  }

  private short(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith('..') ? file : relative;
  }

  private mapOf(file: string): SourceMap | null {
    if (!this.maps.has(file)) {
      let map: SourceMap | null = null;
      try {
        if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      } catch {
        map = null;
      }
      this.maps.set(file, map);
    }
    return this.maps.get(file)!;
  }
}

/**
 * Self time by function over the samples taken between `fromUs` and `toUs` (the profile's clock, which
 * is the monotonic clock process.hrtime() reads), or over the whole profile.
 */
export function summariseProfile(profile: CpuProfile, options: { top?: number; requests?: number | null; fromUs?: number; toUs?: number } = {}): ProfileSummary {
  const top = options.top ?? 25;
  const requests = options.requests ?? null;
  const from = options.fromUs ?? -Infinity;
  const to = options.toUs ?? Infinity;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // Sample i was taken at startTime + the sum of deltas up to i; it stands for the time until the next one.
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (at < from || at > to) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
  }
  const names = new SourceNames();
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === IDLE) {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = names.where(frame);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const perRequest = (us: number): number | null => (requests ? us / requests : null);
  const functions = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: busyUs ? f.us / busyUs : 0, usPerRequest: perRequest(f.us) }));
  const byFile = new Map<string, number>();
  for (const f of byFunction.values()) {
    const file = f.where ? f.where.replace(/:\d+$/, '') : `${f.name} (V8)`;
    byFile.set(file, (byFile.get(file) ?? 0) + f.us);
  }
  const files = [...byFile.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([file, us]) => ({ file, selfMs: us / 1000, share: busyUs ? us / busyUs : 0, usPerRequest: perRequest(us) }));
  const windowUs = Math.min(to, profile.endTime) - Math.max(from, profile.startTime);
  return { windowMs: windowUs / 1000, busyMs: busyUs / 1000, idleMs: idleUs / 1000, requests, functions, files };
}

/** The summary as markdown tables. */
export function profileMarkdown(summary: ProfileSummary, title: string): string {
  const us = (v: number | null): string => (v === null ? '' : v.toFixed(2));
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const lines = [
    `# ${title}`,
    '',
    `Main thread over ${(summary.windowMs / 1000).toFixed(1)} s: busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms` +
      (summary.requests ? `; ${summary.requests.toLocaleString('en-US')} requests answered, so ${(1000 * summary.busyMs / summary.requests).toFixed(1)} µs of busy main thread a request.` : '.'),
    '',
    'Self time by function (share of busy samples; µs a request = self time / requests):',
    '',
    '| # | Function | Where | Self ms | Share | µs a request |',
    '|---|---|---|---|---|---|',
    ...summary.functions.map((f, i) => `| ${i + 1} | \`${f.name}\` | ${f.where || '(V8)'} | ${f.selfMs.toFixed(0)} | ${pct(f.share)} | ${us(f.usPerRequest)} |`),
    '',
    'Self time by source file:',
    '',
    '| File | Self ms | Share | µs a request |',
    '|---|---|---|---|',
    ...summary.files.map((f) => `| ${f.file} | ${f.selfMs.toFixed(0)} | ${pct(f.share)} | ${us(f.usPerRequest)} |`),
    '',
  ];
  return lines.join('\n');
}

// Run alone (run-ts bundles this file as profile-summary.mjs); bench/profile.ts bundles it in and skips this.
if (path.basename(process.argv[1] ?? '') === 'profile-summary.mjs') {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' }, requests: { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file) {
    console.error('usage: profile-summary FILE.cpuprofile [--top N] [--requests N]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summariseProfile(profile, { top: Number(values.top ?? 25), requests: values.requests ? Number(values.requests) : null });
  process.stdout.write(profileMarkdown(summary, path.basename(file)));
}

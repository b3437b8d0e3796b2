/**
 * Processes of a benchmark run: the bundled children (bare server, naive server, load clients), the
 * built `serve`, and what we read about them (/proc status, start-up time).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../../scripts/node-bundle.mjs';

/** The built CLIs under test; BENCH_DIST=/other/dist measures another build (an A/B of a core change). */
export const DIST = path.resolve(process.env['BENCH_DIST'] ?? 'dist');
export const SERVE_BIN = path.join(DIST, 'cli/serve.js');
export const EXPORT_BIN = path.join(DIST, 'cli/export.js');
const CHILD_DIR = path.resolve('node_modules/.cache/bench');

export const CHILDREN = ['bare-server', 'naive-lowdb-server', 'load-client', 'paced-client', 'maxrss-probe', 'commit-ceiling', 'pipeline-events'] as const;
export type ChildName = (typeof CHILDREN)[number];

/** Bundles bench/children/*.ts (dependencies stay external) so they start as plain `node FILE`. */
export async function bundleChildren(): Promise<void> {
  await build({
    ...NODE_BUNDLE,
    entryPoints: Object.fromEntries(CHILDREN.map((name) => [name, `bench/children/${name}.ts`])),
    outdir: CHILD_DIR,
    outExtension: { '.js': '.mjs' },
  });
}

export function childPath(name: ChildName): string {
  return path.join(CHILD_DIR, `${name}.mjs`);
}

import { spawnNode, type Proc } from '../../test/helpers/node-process.js';

export { spawnNode, type Proc };

/** Runs `node ...args` to completion; resolves with its stdout, stderr and wall time. */
export function runNode(args: string[], timeoutMs = 300_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Runs a bundled child that prints one JSON line as its result. */
export async function runJsonChild<T>(name: ChildName, spec: unknown, timeoutMs = 300_000): Promise<T> {
  const { code, stdout, stderr } = await runNode([childPath(name), JSON.stringify(spec)], timeoutMs);
  const last = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${name} failed (${code}): ${stderr.slice(-2000)}`);
  return JSON.parse(last) as T;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:port/path → status (or null when nothing answers). */
export function getStatus(port: number, pathname: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    req.setTimeout(5000, () => req.destroy());
  });
}

/** `deletions` from GET /health (the store's total). */
export function healthTotal(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(Number((JSON.parse(body) as { deletions: unknown }).deletions));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
  });
}

/** VmRSS / VmHWM of a live process, in MB. */
export function memoryOf(pid: number): { rssMB: number; peakRssMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, peakRssMB: kb('VmHWM') / 1024 };
}

/** CPU time a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuTimeOf(pid: number): { userMs: number; sysMs: number } {
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userMs: Number(fields[11]) * 10, sysMs: Number(fields[12]) * 10 };
}

export interface ServeHandle extends Proc {
  eventsUrl: string;
  eventsPort: number;
  dashboardUrl: string | null;
  /** Spawn to the first 200 from GET /health. */
  readyMs: number;
}

/**
 * Starts the built `serve` (no tunnel) on `dataDir` and measures spawn → first 200 from `/health`
 * (polled every 5 ms on a port chosen in advance).
 */
export async function startServe(
  dataDir: string,
  options: { token: string; dashboard: boolean; fsync?: boolean; cpus?: string; nodeArgs?: string[]; extraArgs?: string[]; env?: NodeJS.ProcessEnv },
): Promise<ServeHandle> {
  const port = await freePort();
  const args = [...(options.nodeArgs ?? []), SERVE_BIN, '--data-dir', dataDir, '--port', String(port), '--no-tunnel', '--token', options.token, ...(options.extraArgs ?? [])];
  if (!options.dashboard) args.push('--no-dashboard');
  if (options.fsync === false) args.push('--no-fsync');
  const started = performance.now();
  const proc = spawnNode(args, options.env ?? {}, options.cpus === undefined ? {} : { cpus: options.cpus });
  let readyMs = NaN;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`serve exited (${proc.child.exitCode}) before /health answered:\n${proc.stderr().slice(-2000)}`);
    if ((await getStatus(port, '/health')) === 200) {
      readyMs = performance.now() - started;
      break;
    }
    if (performance.now() - started > 120_000) throw new Error(`serve not ready in 120 s:\n${proc.stderr().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const eventsUrl = await proc.waitFor('events');
  const dashboardUrl = options.dashboard ? await proc.waitFor('dashboard') : null;
  return { ...proc, eventsUrl, eventsPort: port, dashboardUrl, readyMs };
}

/** The store's group commits as serve logs them at stop (`describeWriteStats` in the store). */
export interface ServeWrites {
  line: string;
  events: number;
  writes: number;
  perWrite: number;
  meanMs: number;
  maxMs: number;
}

/** Reads the `store: … writes since start …` line from serve's log, or null when it printed none. */
export function writesFromLog(log: string): ServeWrites | null {
  const match = /store: ([\d,]+) events? in ([\d,]+) (?:durable )?writes? since start \(([\d.]+) a write\); a write took ([\d.]+) ms on average, ([\d.]+) ms at most/.exec(log);
  if (!match) return null;
  const num = (s: string): number => Number(s.replace(/,/g, ''));
  return { line: match[0], events: num(match[1]!), writes: num(match[2]!), perWrite: Number(match[3]), meanMs: Number(match[4]), maxMs: Number(match[5]) };
}

function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Share of all CPUs busy over `ms` (from /proc/stat). Sampled while the benchmark itself is idle, it
 * tells how much other work shared the machine (the results are only comparable on a quiet machine).
 */
export async function cpuBusy(ms = 500): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  return b.total === a.total ? 0 : (b.busy - a.busy) / (b.total - a.total);
}

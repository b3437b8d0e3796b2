/**
 * The pinned comparison (issue 16): wrk on core 0, the server under test on core 1, so the load
 * generator never takes the server's core. Bare node:http, serve --no-fsync and durable serve (100k
 * history each, 10 keep-alive connections) run in interleaved rounds, each server's CPU time (user +
 * kernel, all its threads, from /proc) is divided by the answers it gave, and serve's own CPU per event
 * is its CPU a request minus bare's from the same run.
 */
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyHistory, type HistoryInfo } from './history.js';
import { FIXTURE_TOKEN } from './bodies.js';
import { childPath, cpuTimeOf, healthTotal, spawnNode, startServe, writesFromLog, type Proc, type ServeWrites } from './procs.js';
import { runWrk, wrkMissing, writeWrkScript, type WrkResult } from './wrk.js';

export const LOAD_CPU = '0';
export const SERVER_CPU = '1';

/** Null when the pinned rows can run here; otherwise why not. */
export function pinnedUnavailable(): string | null {
  if (process.platform !== 'linux') return `pinning needs Linux (this is ${process.platform})`;
  if (os.cpus().length < 2) return `pinning needs at least 2 cores (this machine has ${os.cpus().length})`;
  const taskset = spawnSync('taskset', ['-c', LOAD_CPU, 'true']);
  if (taskset.error || taskset.status !== 0) return 'taskset (util-linux) is not available';
  return wrkMissing();
}

export type PinnedServer = 'bare' | 'nofsync' | 'durable';
export const PINNED_SERVERS: readonly PinnedServer[] = ['bare', 'nofsync', 'durable'];

export interface PinnedRun {
  rps: number;
  total: number;
  durationS: number;
  latencyMs: WrkResult['latencyMs'];
  errors: WrkResult['errors'];
  /** The server's CPU over the run, per answer. */
  cpuUs: { user: number; sys: number };
}

export interface PinnedServerResult {
  runs: PinnedRun[];
  /** CPU per answer over all rounds together. */
  cpuUs: { user: number; sys: number; total: number };
  /** Answers over all rounds / their time. */
  rps: number;
  /** serve only: records the store gained over the measured rounds (>= answers: wrk does not count the last requests in flight). */
  stored: number | null;
  writes: ServeWrites | null;
}

export interface PinnedResult {
  rounds: number;
  durationS: number;
  connections: number;
  servers: Record<PinnedServer, PinnedServerResult>;
  /** serve / bare in each round, and their median. */
  ratios: { nofsync: number[]; durable: number[]; nofsyncMedian: number; durableMedian: number };
  /** serve's CPU a request minus bare's (same run), µs. */
  ownCpuUs: { nofsync: number; durable: number };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Target {
  url: string;
  pid: number;
  port: number | null;
  stop: () => Promise<unknown>;
  stderr: () => string;
}

/** Runs the pinned comparison; `log` prints progress lines. */
export async function runPinned(options: {
  history: HistoryInfo;
  tempRoot: string;
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  nextIdBase: () => number;
  log: (line: string) => void;
}): Promise<PinnedResult> {
  const { log } = options;
  const script = writeWrkScript(options.tempRoot);
  const targets = new Map<PinnedServer, Target>();
  try {
    const bare: Proc = spawnNode([childPath('bare-server')], {}, { cpus: SERVER_CPU });
    targets.set('bare', { url: await bare.waitFor('events'), pid: bare.pid, port: null, stop: () => bare.stop(), stderr: () => bare.stderr() });
    for (const server of ['nofsync', 'durable'] as const) {
      const dataDir = path.join(options.tempRoot, `pinned-${server}`);
      copyHistory(options.history, dataDir);
      const serve = await startServe(dataDir, { token: FIXTURE_TOKEN, dashboard: true, fsync: server === 'durable', cpus: SERVER_CPU });
      targets.set(server, { url: serve.eventsUrl, pid: serve.pid, port: serve.eventsPort, stop: () => serve.stop(), stderr: () => serve.stderr() });
    }
    const wrk = (target: Target, durationS: number): Promise<WrkResult> =>
      runWrk({ url: target.url, script, connections: options.connections, durationS, idBase: options.nextIdBase(), cpus: LOAD_CPU });
    for (const server of PINNED_SERVERS) await wrk(targets.get(server)!, options.warmupS);

    const runs: Record<PinnedServer, PinnedRun[]> = { bare: [], nofsync: [], durable: [] };
    const storedBefore = new Map<PinnedServer, number>();
    for (const server of PINNED_SERVERS) {
      const port = targets.get(server)!.port;
      if (port !== null) storedBefore.set(server, await healthTotal(port));
    }
    for (let round = 1; round <= options.rounds; round++) {
      const parts: string[] = [];
      for (const server of PINNED_SERVERS) {
        const target = targets.get(server)!;
        const before = cpuTimeOf(target.pid);
        const result = await wrk(target, options.durationS);
        const after = cpuTimeOf(target.pid);
        const per = (ms: number): number => (ms * 1000) / Math.max(1, result.total);
        const run: PinnedRun = { ...result, cpuUs: { user: per(after.userMs - before.userMs), sys: per(after.sysMs - before.sysMs) } };
        runs[server].push(run);
        const bad = run.errors.status + run.errors.socket;
        parts.push(`${server} ${Math.round(run.rps)} req/s, ${(run.cpuUs.user + run.cpuUs.sys).toFixed(1)} µs CPU a request${bad ? ` (${bad} errors)` : ''}`);
      }
      log(`  round ${round}: ${parts.join('; ')}`);
    }

    const servers = {} as Record<PinnedServer, PinnedServerResult>;
    for (const server of PINNED_SERVERS) {
      const target = targets.get(server)!;
      const list = runs[server];
      const total = list.reduce((a, r) => a + r.total, 0);
      const seconds = list.reduce((a, r) => a + r.durationS, 0);
      const user = list.reduce((a, r) => a + r.cpuUs.user * r.total, 0) / total;
      const sys = list.reduce((a, r) => a + r.cpuUs.sys * r.total, 0) / total;
      const stored = target.port === null ? null : (await healthTotal(target.port)) - storedBefore.get(server)!;
      servers[server] = { runs: list, cpuUs: { user, sys, total: user + sys }, rps: total / seconds, stored, writes: null };
    }
    for (const server of PINNED_SERVERS) {
      const target = targets.get(server)!;
      targets.delete(server);
      await target.stop();
      servers[server].writes = writesFromLog(target.stderr());
    }
    const ratio = (server: 'nofsync' | 'durable'): number[] => runs[server].map((r, i) => r.rps / runs.bare[i]!.rps);
    const ratios = { nofsync: ratio('nofsync'), durable: ratio('durable'), nofsyncMedian: median(ratio('nofsync')), durableMedian: median(ratio('durable')) };
    return {
      rounds: options.rounds,
      durationS: options.durationS,
      connections: options.connections,
      servers,
      ratios,
      ownCpuUs: { nofsync: servers.nofsync.cpuUs.total - servers.bare.cpuUs.total, durable: servers.durable.cpuUs.total - servers.bare.cpuUs.total },
    };
  } finally {
    for (const target of targets.values()) await target.stop();
  }
}

/**
 * Open-loop load at an even rate (what a portal's deletions look like, unlike autocannon's `overallRate`,
 * which sends each second's quota in a burst at the start of the second). Request i is due at
 * start + i / rate; its latency counts from when it was due, so a slow server cannot hide its queueing
 * (no coordinated omission). Keep-alive sockets, real form bodies, unique item ids.
 * Usage: paced-client '{"url":..., "rate":1000, "durationS":10, "idBase":1, "maxSockets":64}'
 * Runs until durationS passes (or SIGTERM), then prints one JSON line.
 */
import http from 'node:http';
import { bodyMaker, FORM_CONTENT_TYPE, nowSeconds } from '../lib/bodies.js';

export interface PacedSpec {
  url: string;
  rate: number;
  durationS: number;
  idBase: number;
  maxSockets?: number;
}

export interface PacedResult {
  rate: number;
  sent: number;
  answered: number;
  non2xx: number;
  errors: number;
  achievedRps: number;
  /** From when each request was due to its answer (ms). */
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  nextId: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as PacedSpec;
const url = new URL(spec.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: spec.maxSockets ?? 64 });
const makeBody = bodyMaker();
const latencies: number[] = [];
let nextId = spec.idBase;
let sent = 0;
let non2xx = 0;
let errors = 0;
let inFlight = 0;
let stopping = false;
const start = performance.now();
const interval = 1000 / spec.rate;

function send(dueAt: number): void {
  const body = makeBody(nextId++, nowSeconds());
  sent++;
  inFlight++;
  const req = http.request(
    { host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers: { 'Content-Type': FORM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) } },
    (res) => {
      res.resume();
      res.on('end', () => {
        inFlight--;
        if (res.statusCode !== 200) non2xx++;
        latencies.push(performance.now() - dueAt);
      });
    },
  );
  req.on('error', () => {
    inFlight--;
    errors++;
  });
  req.end(body);
}

function tick(): void {
  if (stopping) return;
  const now = performance.now();
  const end = spec.durationS * 1000;
  while (sent * interval <= Math.min(now - start, end)) send(start + sent * interval);
  if (now - start >= end) return void finish();
  setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function finish(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const elapsed = (performance.now() - start) / 1000;
  const deadline = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const sorted = latencies.slice().sort((a, b) => a - b);
  const result: PacedResult = {
    rate: spec.rate,
    sent,
    answered: latencies.length,
    non2xx,
    errors,
    achievedRps: latencies.length / elapsed,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p99_9: percentile(sorted, 99.9),
      max: sorted[sorted.length - 1] ?? NaN,
      mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    },
    nextId,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  agent.destroy();
  process.exit(0);
}

process.on('SIGTERM', () => void finish());
process.stdout.write('started\n');
tick();

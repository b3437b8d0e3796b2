/**
 * Drives one load run with autocannon (this process is the load generator, apart from the server):
 * keep-alive, real form bodies with a unique item id and the current `ts` per request.
 * Usage: load-client '{"url":..., "connections":10, "durationS":10, "overallRate":0, "idBase":1}'
 * Prints one JSON line: the autocannon summary plus how many answers said stored / duplicate.
 */
import autocannon from 'autocannon';
import { bodyMaker, FORM_CONTENT_TYPE, nowSeconds } from '../lib/bodies.js';

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  /** Total requests per second across connections (0 = as fast as answers come). */
  overallRate?: number;
  /** First item id; each request takes the next. */
  idBase: number;
}

export interface LoadResult {
  rps: number;
  total: number;
  durationS: number;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  stored: number;
  duplicates: number;
  statusCodes: Record<string, number>;
  nextId: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const makeBody = bodyMaker();
let nextId = spec.idBase;
let stored = 0;
let duplicates = 0;

const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationS,
  pipelining: 1,
  timeout: 30,
  ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
  requests: [
    {
      method: 'POST',
      path: '/',
      headers: { 'content-type': FORM_CONTENT_TYPE },
      setupRequest: (req) => ({ ...req, body: makeBody(nextId++, nowSeconds()) }),
      onResponse: (status, body) => {
        if (status !== 200) return;
        if (body.includes('"stored":true')) stored++;
        else if (body.includes('"duplicate":true')) duplicates++;
      },
    },
  ],
});

const r = await instance;
const result: LoadResult = {
  rps: r.requests.total / r.duration,
  total: r.requests.total,
  durationS: r.duration,
  latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, p99_9: r.latency.p99_9, max: r.latency.max, mean: r.latency.mean },
  errors: r.errors,
  timeouts: r.timeouts,
  non2xx: r.non2xx,
  stored,
  duplicates,
  statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
  nextId,
};
process.stdout.write(JSON.stringify(result) + '\n');

/**
 * `npm run bench:instructions`: CPU instructions the event pipeline and store spend on one event
 * (parse, verify, build the record, store it; no HTTP, fsync off), counted by valgrind's callgrind.
 * Unlike times, the count barely moves with whatever else this VM is doing, so it can tell a change of
 * a few percent apart. Runs bench/children/pipeline-events with 25k and then 65k events and divides the
 * difference by 40k: start-up and the first compilation of the code fall out. Needs valgrind
 * (`apt-get install valgrind`); takes about 3 minutes.
 *
 * `npm run bench:instructions -- --http`: the whole request instead, HTTP included: the built `serve`
 * (--no-fsync, empty log, no dashboard) and the benchmark's bare node:http server each run under
 * callgrind while 10 keep-alive connections post the benchmark's bodies from this process, 4k and then
 * 12k requests; the difference over 8k is each server's count a request, and serve's minus bare's is
 * serve's own work an event (the figure issue 16's "own CPU per event" is about). About 4 minutes.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleChildren, childPath, freePort, getStatus, SERVE_BIN, writesFromLog } from './lib/procs.js';
import { bodyMaker, FIXTURE_TOKEN, FORM_CONTENT_TYPE, nowSeconds } from './lib/bodies.js';

const { values: flags } = parseArgs({ options: { http: { type: 'boolean' } }, strict: true });

const SMALL = 25_000;
const LARGE = 65_000;

function instructions(events: number): number {
  const run = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, childPath('pipeline-events'), String(events)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.error) {
    console.error(`valgrind did not run (${run.error.message}); install it with: apt-get install valgrind`);
    process.exit(2);
  }
  const collected = /Collected : (\d+)/.exec(run.stderr);
  if (run.status !== 0 || !collected) {
    console.error(run.stderr.slice(-2000));
    throw new Error(`callgrind run of ${events} events failed (exit ${run.status})`);
  }
  console.log(`  ${events} events: ${run.stdout.trim()} under valgrind; ${Number(collected[1]).toLocaleString('en-US')} instructions`);
  return Number(collected[1]);
}

const HTTP_SMALL = 4_000;
const HTTP_LARGE = 12_000;

/** Posts `count` bodies over 10 keep-alive connections, one request in flight on each. */
async function post(port: number, count: number, firstId: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const makeBody = bodyMaker();
  let next = 0;
  const one = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/', method: 'POST', agent, headers: { 'Content-Type': FORM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) {
        const status = await one(makeBody(firstId + next++, nowSeconds()));
        if (status !== 200) throw new Error(`HTTP ${status}`);
      }
    }),
  );
  agent.destroy();
}

/** Instructions a server under callgrind spent from its start to its exit, having answered `count` posts. */
async function serverInstructions(server: 'serve' | 'bare', count: number): Promise<number> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'b24dm-instr-'));
  const args =
    server === 'serve'
      ? [SERVE_BIN, '--data-dir', dataDir, '--port', String(port), '--no-tunnel', '--no-dashboard', '--no-fsync', '--token', FIXTURE_TOKEN]
      : [childPath('bare-server'), String(port)];
  const child = spawn('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const started = performance.now();
    // The bare server has no /health: any answer from it means it listens.
    while ((await getStatus(port, server === 'serve' ? '/health' : '/')) === null) {
      if (child.exitCode !== null) throw new Error(`${server} exited under valgrind: ${stderr.slice(-1500)}`);
      if (performance.now() - started > 180_000) throw new Error(`${server} did not start under valgrind in 180 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await post(port, count, 1_000_000);
  } finally {
    child.kill('SIGTERM');
  }
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
  const collected = /Collected : (\d+)/.exec(stderr);
  if (!collected) throw new Error(`callgrind printed no total for ${server}: ${stderr.slice(-1500)}`);
  const writes = writesFromLog(stderr);
  console.log(`  ${server}, ${count} requests: ${Number(collected[1]).toLocaleString('en-US')} instructions${writes ? ` (${writes.line})` : ''}`);
  return Number(collected[1]);
}

await bundleChildren();
if (flags.http) {
  if (spawnSync('valgrind', ['--version']).error) {
    console.error('valgrind is not installed: apt-get install valgrind');
    process.exit(2);
  }
  console.log(`whole requests, HTTP included, instructions per request (callgrind, ${HTTP_SMALL} and ${HTTP_LARGE} requests, 10 connections):`);
  const per: Record<string, number> = {};
  for (const server of ['bare', 'serve'] as const) {
    const small = await serverInstructions(server, HTTP_SMALL);
    const large = await serverInstructions(server, HTTP_LARGE);
    per[server] = (large - small) / (HTTP_LARGE - HTTP_SMALL);
    console.log(`${server}: ${Math.round(per[server]).toLocaleString('en-US')} instructions per request`);
  }
  console.log(`serve's own: ${Math.round(per['serve']! - per['bare']!).toLocaleString('en-US')} instructions per event (serve --no-fsync minus bare)`);
} else {
  console.log(`pipeline + store, instructions per event (callgrind, ${SMALL} and ${LARGE} events):`);
  const small = instructions(SMALL);
  const large = instructions(LARGE);
  console.log(`${Math.round((large - small) / (LARGE - SMALL)).toLocaleString('en-US')} instructions per event`);
}

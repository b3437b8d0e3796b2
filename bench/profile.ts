/**
 * `npm run bench:profile -- --label NAME`: a CPU profile of the real `serve` under scenario 1 (100k
 * history, durable, 10 keep-alive connections posting the benchmark's form bodies), summarised by
 * function into bench/results/profile-NAME.md (and .json). Where the machine has two cores or more,
 * wrk runs on core 0 and serve on core 1, as in the benchmark's pinned rows.
 *
 * Options: --seconds N (measured load, default 8), --no-fsync, --connections N, --top N,
 * --interval US (sampling interval, default 250), --keep (keep the .cpuprofile and print its path),
 * --bare (profile the benchmark's bare node:http server instead: what Node's HTTP costs alone).
 * Needs wrk (`apt-get install -y wrk`) and `node scripts/build-node.mjs` first (the npm script does it).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cachedHistory, copyHistory } from './lib/history.js';
import { FIXTURE, FIXTURE_TOKEN } from './lib/bodies.js';
import { bundleChildren, childPath, cpuBusy, cpuTimeOf, healthTotal, spawnNode, startServe, writesFromLog } from './lib/procs.js';
import { runWrk, wrkMissing, writeWrkScript } from './lib/wrk.js';
import { profileMarkdown, summariseProfile, type CpuProfile } from './profile-summary.js';

const { values: flags } = parseArgs({
  options: {
    label: { type: 'string', default: 'latest' },
    seconds: { type: 'string', default: '8' },
    'no-fsync': { type: 'boolean' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '25' },
    interval: { type: 'string', default: '250' },
    keep: { type: 'boolean' },
    bare: { type: 'boolean' },
  },
  strict: true,
});
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);
const durable = !flags['no-fsync'];
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const missing = wrkMissing();
if (missing) {
  console.error(`bench:profile: ${missing}`);
  process.exit(2);
}
const pinned = os.cpus().length >= 2;
const temp = mkdtempSync(path.join(os.tmpdir(), 'b24dm-profile-'));
const history = await cachedHistory(100_000, log);
const dataDir = path.join(temp, 'data');
copyHistory(history, dataDir);
const profileDir = path.join(temp, 'prof');
const busy = await cpuBusy(1000);
const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', String(Number(flags.interval))];
const serverName = flags.bare ? 'bare node:http' : `serve (100k history, ${durable ? 'durable' : '--no-fsync'})`;
let serve: { eventsUrl: string; eventsPort: number | null; pid: number; stop: () => Promise<unknown>; stderr: () => string };
if (flags.bare) {
  await bundleChildren();
  const bare = spawnNode([...nodeArgs, childPath('bare-server')], {}, pinned ? { cpus: '1' } : {});
  serve = { eventsUrl: await bare.waitFor('events'), eventsPort: null, pid: bare.pid, stop: () => bare.stop(), stderr: () => bare.stderr() };
} else {
  const handle = await startServe(dataDir, { token: FIXTURE_TOKEN, dashboard: true, fsync: durable, ...(pinned && { cpus: '1' }), nodeArgs });
  serve = handle;
}
const script = writeWrkScript(temp);
const wrk = (durationS: number, idBase: number) => runWrk({ url: serve.eventsUrl, script, connections, durationS, idBase, cpus: pinned ? '0' : null });
log(`${serverName} ${pinned ? 'on core 1, wrk on core 0' : 'unpinned (one core)'}; ${connections} connections; machine ${Math.round(busy * 100)}% busy before`);
await wrk(2, 500_000_000);
const stored = (): Promise<number> => (serve.eventsPort === null ? Promise.resolve(0) : healthTotal(serve.eventsPort));
const storedBefore = await stored();
const cpuBefore = cpuTimeOf(serve.pid);
const fromUs = Number(process.hrtime.bigint() / 1000n);
const run = await wrk(seconds, 600_000_000);
const toUs = Number(process.hrtime.bigint() / 1000n);
const cpuAfter = cpuTimeOf(serve.pid);
const storedAfter = await stored();
await serve.stop();
const writes = writesFromLog(serve.stderr());

const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${profileDir}, found ${files.length}; serve's stderr:\n${serve.stderr().slice(-1500)}`);
const profileFile = path.join(profileDir, files[0]!);
const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
const summary = summariseProfile(profile, { top: Number(flags.top), requests: run.total, fromUs, toUs });

const cpuUs = { user: ((cpuAfter.userMs - cpuBefore.userMs) * 1000) / run.total, sys: ((cpuAfter.sysMs - cpuBefore.sysMs) * 1000) / run.total };
const header = [
  `Run ${new Date().toISOString()}: \`npm run bench:profile -- --label ${flags.label}${durable ? '' : ' --no-fsync'}${flags.bare ? ' --bare' : ''}\`, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}.`,
  `${serverName}, ${pinned ? 'pinned to core 1 with wrk on core 0' : 'unpinned'}; ${connections} keep-alive connections posting ${FIXTURE} (unique item ids), ${seconds} s after 2 s of warm-up; profiled with --cpu-prof-interval ${flags.interval} µs (profiling itself slows serve).`,
  `Other work on the machine: ${Math.round(busy * 100)}% of all CPUs busy just before the run.`,
  '',
  `Load: ${Math.round(run.rps).toLocaleString('en-US')} req/s (${run.total.toLocaleString('en-US')} answers, ${run.errors.status} errors, ${run.errors.socket} socket errors), latency p50 ${run.latencyMs.p50.toFixed(2)} ms, p99 ${run.latencyMs.p99.toFixed(2)} ms; ` +
    `${flags.bare ? '' : `stored ${(storedAfter - storedBefore).toLocaleString('en-US')}; `}the server's CPU a request from /proc (all its threads): ${cpuUs.user.toFixed(1)} µs user + ${cpuUs.sys.toFixed(1)} µs kernel.`,
  writes ? `serve's log at stop: ${writes.line}` : '',
  '',
].join('\n');
const title = `CPU profile of ${flags.bare ? 'the bare node:http server' : 'serve'} under scenario 1's load: ${flags.label}`;
const markdown = profileMarkdown(summary, title).replace(/^# .*\n\n/, `# ${title}\n\n${header}\n`);
const resultsDir = path.resolve('bench/results');
mkdirSync(resultsDir, { recursive: true });
const base = path.join(resultsDir, `profile-${flags.label}`);
writeFileSync(`${base}.md`, markdown);
writeFileSync(`${base}.json`, JSON.stringify({ date: new Date().toISOString(), durable, pinned, connections, seconds, busyBefore: busy, load: run, stored: storedAfter - storedBefore, cpuUsPerRequest: cpuUs, writes, summary }, null, 2) + '\n');
log(markdown);
log(`written: ${path.relative(process.cwd(), base)}.md and .json`);
if (flags.keep) log(`profile kept: ${profileFile}`);
else rmSync(temp, { recursive: true, force: true });

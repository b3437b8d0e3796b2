/**
 * `npm run bench:instructions`: CPU instructions the event pipeline and store spend on one event
 * (parse, verify, build the record, store it; no HTTP, fsync off), counted by valgrind's callgrind.
 * Unlike times, the count barely moves with whatever else this VM is doing, so it can tell a change of
 * a few percent apart. Runs bench/children/pipeline-events with 25k and then 65k events and divides the
 * difference by 40k: start-up and the first compilation of the code fall out. Needs valgrind
 * (`apt-get install valgrind`); takes about 3 minutes.
 */
import { spawnSync } from 'node:child_process';
import { bundleChildren, childPath } from './lib/procs.js';

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

await bundleChildren();
console.log(`pipeline + store, instructions per event (callgrind, ${SMALL} and ${LARGE} events):`);
const small = instructions(SMALL);
const large = instructions(LARGE);
console.log(`${Math.round((large - small) / (LARGE - SMALL)).toLocaleString('en-US')} instructions per event`);

/**
 * The storage ceiling for durable acknowledgements, without HTTP: `clients` loops that each wait for
 * their record to be durable before adding the next (like keep-alive connections). `serial`: the
 * store's own Journal, one group at a time, the next group written once the previous one is durable
 * (the store's group commit). `pipelined`, the alternative: a plain appended file, each group's
 * write + fdatasync started while the previous fdatasync still runs (at most 2 in flight).
 * Usage: commit-ceiling '{"dir":..., "clients":10, "durationS":3, "mode":"serial"}'. Prints one JSON line.
 */
import { closeSync, fdatasync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Journal } from '../../electron/core/store/journal.js';

export interface CommitCeilingSpec {
  dir: string;
  clients: number;
  durationS: number;
  mode: 'serial' | 'pipelined';
}

export interface CommitCeilingResult {
  mode: 'serial' | 'pipelined';
  clients: number;
  commitsPerS: number;
  groupsPerS: number;
}

const fdatasyncAsync = promisify(fdatasync);
const spec = JSON.parse(process.argv[2] ?? '{}') as CommitCeilingSpec;
const file = path.join(spec.dir, `commit-ceiling-${process.pid}.jsonl`);
const fd = openSync(file, 'a');
const record = Buffer.from(`${JSON.stringify({ id: 'x'.repeat(22), event: 'ONCRMDYNAMICITEMDELETE', portal: 'some-domain.bitrix24.com', memberId: 'a'.repeat(32), pad: 'p'.repeat(150) })}\n`);
const maxInFlight = spec.mode === 'pipelined' ? 2 : 1;
let queue: (() => void)[] = [];
let inFlight = 0;
let groups = 0;

const journal = spec.mode === 'serial' ? new Journal(path.join(spec.dir, `commit-ceiling-${process.pid}-journal.jsonl`), 0, true) : null;
const text = record.toString();

function pump(): void {
  if (journal) {
    if (queue.length === 0 || inFlight > 0) return;
    const group = queue;
    queue = [];
    inFlight++;
    groups++;
    void journal.append(text.repeat(group.length)).then(() => {
      inFlight--;
      for (const done of group) done();
      pump();
    });
    return;
  }
  while (queue.length > 0 && inFlight < maxInFlight) {
    const group = queue;
    queue = [];
    writeSync(fd, Buffer.concat(group.map(() => record)));
    inFlight++;
    groups++;
    void fdatasyncAsync(fd).then(() => {
      inFlight--;
      for (const done of group) done();
      pump();
    });
  }
}

const add = (): Promise<void> =>
  new Promise((resolve) => {
    queue.push(resolve);
    pump();
  });

let commits = 0;
const started = performance.now();
const end = started + spec.durationS * 1000;
await Promise.all(
  Array.from({ length: spec.clients }, async () => {
    while (performance.now() < end) {
      await add();
      commits++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
closeSync(fd);
rmSync(file, { force: true });
if (journal) {
  await journal.close();
  rmSync(journal.file, { force: true });
}
const result: CommitCeilingResult = { mode: spec.mode, clients: spec.clients, commitsPerS: commits / seconds, groupsPerS: groups / seconds };
process.stdout.write(JSON.stringify(result) + '\n');

/**
 * Runs N events through the real EventPipeline and DeletionStore (fsync off: the disk is not what this
 * measures), ten at a time, with the benchmark's form bodies. No HTTP. Prints events/s.
 * Usage: pipeline-events N
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventPipeline } from '../../electron/core/pipeline/event-pipeline.js';
import { DeletionStore } from '../../electron/core/store/deletion-store.js';
import { QuarantineStore } from '../../electron/core/store/quarantine-store.js';
import { TokenRegistry, hashToken } from '../../electron/core/tokens/token-registry.js';
import { FIXTURE_TOKEN, bodyMaker, nowSeconds } from '../lib/bodies.js';

const total = Number(process.argv[2] ?? 50_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'b24dm-pipeline-'));
const store = await DeletionStore.open({ dir: path.join(dir, 'log'), fsync: false });
const pipeline = new EventPipeline({
  store,
  tokens: new TokenRegistry([{ hash: hashToken(FIXTURE_TOKEN), portal: null }]),
  quarantine: await QuarantineStore.open(dir),
});
const makeBody = bodyMaker();
const ts = nowSeconds();
let next = 0;
const started = performance.now();
await Promise.all(
  // Each client stands for one keep-alive connection (the store's group commit waits for its senders).
  Array.from({ length: 10 }, async () => {
    const client = {};
    while (next < total) {
      const answer = await pipeline.handle(Buffer.from(makeBody(1 + next++, ts)), 'form', client);
      if (answer.status !== 200) throw new Error(`event refused: ${JSON.stringify(answer.body)}`);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(`${total} events in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} events/s`);

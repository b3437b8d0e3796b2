/**
 * The cost of storing one event as history grows: median and p99 of one durable write (fdatasync on)
 * with 1k and with 100k deletions already in the log. Also the two form parsers issue 2 weighed.
 * Run: npm run bench:write
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import qs from 'qs';
import fastQueryString from 'fast-querystring';
import { DeletionStore } from '../electron/core/store/deletion-store.js';
import { deletionId, type UnsequencedRecord } from '../electron/core/events/deletion-record.js';
import { parseFormBody } from '../electron/core/events/parse-body.js';

function record(itemId: number): UnsequencedRecord {
  const sentAt = 1_723_538_149_000 + itemId * 1000;
  return {
    id: deletionId('bench.bitrix24.com', 'ONCRMDYNAMICITEMDELETE', itemId, 1220, sentAt),
    event: 'ONCRMDYNAMICITEMDELETE',
    handlerId: 6,
    itemId,
    entityTypeId: 1220,
    sentAt,
    receivedAt: sentAt + 500,
    portal: 'bench.bitrix24.com',
    memberId: 'a223c6b3710f85df22e9377d6c4f7553',
    clientEndpoint: 'https://bench.bitrix24.com/rest/',
    byUser: false,
    userId: null,
    tokenFp: 'abcdef12',
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function writeCost(history: number, samples: number): Promise<{ median: number; p99: number; max: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'b24dm-bench-'));
  try {
    const filler = await DeletionStore.open({ dir, fsync: false });
    const chunk = 5000;
    for (let i = 0; i < history; i += chunk) {
      await Promise.all(Array.from({ length: Math.min(chunk, history - i) }, (_, j) => filler.add(record(i + j + 1))));
    }
    await filler.close();
    const store = await DeletionStore.open({ dir, fsync: true });
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint();
      await store.add(record(history + i + 1));
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    await store.close();
    times.sort((a, b) => a - b);
    return { median: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function perCall(fn: () => unknown, n = 100_000): number {
  for (let i = 0; i < n / 5; i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - started) / n / 1000;
}

const body = readFileSync('test/fixtures/dynamic-item-delete.form', 'utf8');
console.log('form parser, one Bitrix24 body (µs per parse):');
console.log(`  qs.parse (depth 3, 200 params)        ${perCall(() => qs.parse(body, { depth: 3, parameterLimit: 200 })).toFixed(2)}`);
console.log(`  fast-querystring.parse                ${perCall(() => fastQueryString.parse(body)).toFixed(2)}`);
console.log(`  ours: fast-querystring + strict checks ${perCall(() => parseFormBody(body)).toFixed(2)}`);

const samples = Number(process.argv[2] ?? 1000);
console.log(`\none event's durable write (fdatasync), ${samples} sequential writes:`);
console.log('  history    median ms   p99 ms   max ms');
for (const history of [1_000, 100_000]) {
  const r = await writeCost(history, samples);
  console.log(`  ${String(history).padStart(7)}   ${r.median.toFixed(3).padStart(9)}   ${r.p99.toFixed(3).padStart(6)}   ${r.max.toFixed(3).padStart(6)}`);
}

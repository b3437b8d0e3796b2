/**
 * `npm run bench:payload`: the CPU cost of reading one event body, per step, and why the payload
 * readers do not run zod for every event. zod's parsing internals are shared by every schema in a
 * process: measured alone the payload schemas are fast, but once other schemas (settings, UI calls)
 * have run, V8 sees those internals with many shapes and the same parse costs several times more.
 */
import { parseFormBody, decodeUtf8 } from '../electron/core/events/parse-body.js';
import { parseCommonForm } from '../electron/core/events/common-form.js';
import { deletionId } from '../electron/core/events/deletion-record.js';
import { hashToken } from '../electron/core/tokens/token-registry.js';
import { createHash } from 'node:crypto';
import { payloadReadersForTests, readDeletion, readEnvelope } from '../electron/core/events/payload.js';
import * as contractSchemas from '../electron/core/contract-schemas.js';
import { bodyMaker } from './lib/bodies.js';

const { schemaEnvelope, schemaDeletion } = payloadReadersForTests;
const make = bodyMaker();
const raw = Array.from({ length: 1000 }, (_, i) => Buffer.from(make(1000 + i, 1_723_538_150)));
const bodies = raw.map((b) => parseFormBody(decodeUtf8(b)));
const N = 200_000;
let k = 0;

function time(name: string, step: () => unknown): void {
  for (let i = 0; i < 20_000; i++) step();
  const started = performance.now();
  for (let i = 0; i < N; i++) step();
  console.log(`${name.padEnd(58)} ${(((performance.now() - started) * 1000) / N).toFixed(2)} µs`);
}

const schemas = (): unknown => {
  const body = bodies[k++ % 1000]!;
  schemaEnvelope(body);
  return schemaDeletion(body);
};
const readers = (): unknown => {
  const body = bodies[k++ % 1000]!;
  const envelope = readEnvelope(body);
  return readDeletion(body, envelope.kind as Parameters<typeof readDeletion>[1]);
};

console.log('one event body (bench/lib/bodies.ts), per call:');
time('decode UTF-8 + parse the form (fast-querystring + checks)', () => parseFormBody(decodeUtf8(raw[k++ % 1000]!)));
time('zod schemas, the only schemas run so far', schemas);
time('payload readers (quick path)', readers);
let others = 0;
for (const schema of Object.values(contractSchemas)) {
  if (typeof (schema as { safeParse?: unknown }).safeParse !== 'function') continue;
  const parse = (schema as { safeParse: (v: unknown) => unknown }).safeParse;
  for (let i = 0; i < 2000; i++) for (const value of [{}, { a: 1, b: 'x' }, null, [1]]) parse.call(schema, value);
  others++;
}
console.log(`(${others} other schema(s) of the app have now run, as in the monitor)`);
time('zod schemas, after the others', schemas);
time('payload readers (quick path), after the others', readers);
// Last, so the zod figures above are taken as before these rows existed.
time('decode UTF-8 + the one-pass reader of common forms', () => parseCommonForm(decodeUtf8(raw[k++ % 1000]!)));
time('token hash, a Hash object (createHash)', () => createHash('sha256').update(`token${k++}`, 'utf8').digest('hex'));
time('token hash, one-shot (crypto.hash, as hashToken)', () => hashToken(`token${k++}`));
time('record id (deletionId)', () => deletionId('a.bitrix24.com', 'ONCRMDYNAMICITEMDELETE', k++, 1220, 1_723_538_150_000));

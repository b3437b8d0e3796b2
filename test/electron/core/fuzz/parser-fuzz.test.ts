/**
 * Property-based fuzzing of the parser and pipeline, in process (most of the per-run case count):
 *  - parseFormBody / parseJsonBody against an independent reference (reference-parser.ts): same object or
 *    both refuse, only BodyError ever thrown, never a prototype touched;
 *  - readEnvelope / readDeletion on trees of hostile values: only PayloadError, and what they return is
 *    exactly what was sent (no leading zeros, no silent rounding, no unvalidated text);
 *  - EventPipeline.handle on hostile bodies: never throws, answers 200/400/401 only, stores nothing
 *    without an accepted application token (for the portal it is bound to), never stores an OAuth token;
 *  - valid events with random valid values: stored exactly once, as the record they describe.
 * Case counts per property are below; FUZZ_SEED=<n> replays a run, FUZZ_SCALE=<x> multiplies the counts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeletionRecord } from '../../../../electron/core/contract.js';
import type { UnsequencedRecord } from '../../../../electron/core/events/deletion-record.js';
import { BodyError, MAX_DEPTH, MAX_PARAMETERS, parseFormBody, parseJsonBody, type ParsedObject } from '../../../../electron/core/events/parse-body.js';
import { EVENT_NAME_PATTERN, classifyEvent } from '../../../../electron/core/events/bitrix-events.js';
import { PayloadError, readDeletion, readEnvelope } from '../../../../electron/core/events/payload.js';
import { EventPipeline } from '../../../../electron/core/pipeline/event-pipeline.js';
import type { DeletionStore } from '../../../../electron/core/store/deletion-store.js';
import type { QuarantineStore } from '../../../../electron/core/store/quarantine-store.js';
import { TokenRegistry, hashToken } from '../../../../electron/core/tokens/token-registry.js';
import { SEED_TOKEN, WEBHOOK_TOKEN } from '../../../helpers/fixtures.js';
import { domainArb, encodedValidEvent, hostileBody, hostileFormText, hostileJsonText, hostileToken, percentEdge } from './arbitraries.js';
import { REJECT, canonical, referenceForm, referenceJson, referenceToken } from './reference-parser.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));
const RUNS = { form: runs(30_000), json: runs(25_000), readers: runs(12_000), pipeline: runs(25_000), valid: runs(10_000) };
const counted: Record<string, number> = {};
const count = (name: string): void => void (counted[name] = (counted[name] ?? 0) + 1);

/** A portal-bound token: accepted from this portal only. */
const BOUND_TOKEN = 'bound-token-0123456789abcdef';
const BOUND_PORTAL = 'bound.bitrix24.com';
const ACCEPTED = new Map<string, string | null>([
  [SEED_TOKEN, null],
  [WEBHOOK_TOKEN, null],
  [BOUND_TOKEN, BOUND_PORTAL],
]);

let prototypeNames: string[];
beforeAll(() => {
  prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  console.log(`parser fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
});
afterAll(() => {
  const total = Object.values(counted).reduce((a, b) => a + b, 0);
  console.log(`parser fuzz: ${total} generated cases in process (${Object.entries(counted).map(([k, v]) => `${k} ${v}`).join(', ')})`);
});

function expectPristinePrototypes(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(({} as Record<string, unknown>)['x']).toBeUndefined();
}

/** What a parser answered, in the reference's terms; anything but BodyError is a crash. */
function outcome(parse: () => ParsedObject): string {
  let parsed: ParsedObject;
  try {
    parsed = parse();
  } catch (error) {
    if (error instanceof BodyError) return REJECT;
    throw error;
  }
  checkShape(parsed, 1);
  return canonical(parsed);
}

/** A parsed body is null-prototype objects of strings, no deeper than MAX_DEPTH, with at most MAX_PARAMETERS values. */
function checkShape(node: ParsedObject, depth: number, seen = { values: 0 }): void {
  assert.equal(Object.getPrototypeOf(node), null);
  assert.ok(depth <= MAX_DEPTH, `depth ${depth}`);
  for (const key of Object.keys(node)) {
    const value = node[key]!;
    if (typeof value === 'object') checkShape(value, depth + 1, seen);
    else assert.equal(typeof value, 'string');
    if (typeof value === 'string') seen.values++;
  }
  assert.ok(seen.values <= MAX_PARAMETERS, `${seen.values} values`);
}

describe('parser fuzz (in process)', () => {
  it(`parseFormBody agrees with the reference on ${RUNS.form} generated form bodies`, () => {
    fc.assert(
      fc.property(fc.oneof(hostileFormText, percentEdge, hostileToken), (text) => {
        count('form');
        assert.equal(outcome(() => parseFormBody(text)), referenceForm(text));
      }),
      { seed: SEED, numRuns: RUNS.form },
    );
    expectPristinePrototypes();
  }, 60_000);

  it(`parseJsonBody agrees with the reference on ${RUNS.json} generated JSON bodies`, () => {
    fc.assert(
      fc.property(hostileJsonText, (text) => {
        count('json');
        assert.equal(outcome(() => parseJsonBody(text)), referenceJson(text));
      }),
      { seed: SEED, numRuns: RUNS.json },
    );
    expectPristinePrototypes();
  }, 60_000);

  it(`readEnvelope/readDeletion return exactly what was sent, or refuse, on ${RUNS.readers} hostile trees`, () => {
    const value = fc.oneof(
      hostileToken,
      fc.constantFrom('1', '23', '0023', '9007199254740991', '9007199254740992', '1723538149', '946684799', '946684800', '4102444800', 'ONCRMDEALDELETE', 'ONCRMDYNAMICITEMDELETE_0147', 'https://x.bitrix24.com/rest/'),
      fc.nat().map(String),
      domainArb,
    );
    const slot = fc.option(fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 2 }) }), { nil: undefined });
    const tree = fc.record({
      event: fc.option(fc.oneof(fc.constantFrom('ONCRMLEADDELETE', 'oncrmdealdelete', 'ONCRMDYNAMICITEMDELETE', 'ONCRMDYNAMICITEMDELETE_147', 'ONCRMDYNAMICITEMDELETE_', 'ONCRMDEALADD', 'ONAPPINSTALL'), hostileToken), { nil: undefined }),
      event_handler_id: slot,
      ts: slot,
      data: fc.option(fc.oneof(value, fc.record({ FIELDS: fc.option(fc.oneof(value, fc.record({ ID: slot, ENTITY_TYPE_ID: slot })), { nil: undefined }) })), { nil: undefined }),
      auth: fc.option(
        fc.oneof(value, fc.record({ domain: slot, application_token: slot, member_id: slot, client_endpoint: slot, user_id: slot, access_token: slot, refresh_token: slot })),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(tree, (raw) => {
        count('readers');
        const body = toParsed(raw);
        let envelope: ReturnType<typeof readEnvelope>;
        try {
          envelope = readEnvelope(body);
        } catch (error) {
          assert.ok(error instanceof PayloadError, String(error));
          return;
        }
        assert.equal(envelope.event, String(raw.event).toUpperCase());
        assert.match(envelope.event, EVENT_NAME_PATTERN);
        assert.deepEqual(envelope.kind, classifyEvent(envelope.event));
        if (envelope.kind.kind === 'other') return;
        let fields: ReturnType<typeof readDeletion>;
        try {
          fields = readDeletion(body, envelope.kind);
        } catch (error) {
          assert.ok(error instanceof PayloadError, String(error));
          return;
        }
        const data = raw.data as { FIELDS: Record<string, unknown> };
        const auth = raw.auth as Record<string, string | undefined>;
        // Numbers round-trip exactly: what was stored is what was sent, written plainly.
        assert.equal(String(fields.itemId), data.FIELDS['ID']);
        assert.ok(Number.isSafeInteger(fields.itemId) && fields.itemId > 0);
        assert.ok(Number.isSafeInteger(fields.entityTypeId) && fields.entityTypeId > 0);
        if (envelope.kind.kind === 'fixed') assert.equal(fields.entityTypeId, envelope.kind.entityTypeId);
        else if (data.FIELDS['ENTITY_TYPE_ID'] !== undefined) assert.equal(String(fields.entityTypeId), data.FIELDS['ENTITY_TYPE_ID']);
        assert.equal(fields.sentAt, Number(raw.ts) * 1000);
        assert.ok(fields.sentAt >= 946_684_800_000 && fields.sentAt < 4_102_444_800_000);
        assert.equal(fields.portal, String(auth['domain']).toLowerCase());
        assert.match(fields.portal, /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/);
        assert.equal(fields.memberId, auth['member_id'] ?? null);
        assert.equal(fields.clientEndpoint, auth['client_endpoint'] ?? null);
        if (fields.clientEndpoint !== null) assert.match(fields.clientEndpoint, /^https?:\/\/[^\s"<>]+$/);
        assert.equal(fields.userId === null ? undefined : String(fields.userId), auth['user_id']);
        assert.equal(fields.byUser, Boolean(auth['access_token'] || auth['refresh_token']));
      }),
      { seed: SEED, numRuns: RUNS.readers },
    );
    expectPristinePrototypes();
  }, 60_000);

  it(`the pipeline answers ${RUNS.pipeline} hostile bodies with 200/400/401 and stores only what an accepted token vouches for`, async () => {
    const { pipeline, stored, quarantined } = pipelineUnderTest();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileBody, async ({ format, body }) => {
        count('pipeline');
        const before = stored.length;
        const answer = await pipeline.handle(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), format);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        assert.ok([200, 400, 401].includes(answer.status), `status ${answer.status}`);
        assert.ok(JSON.stringify(answer.body).length < 300);
        const added = stored.slice(before);
        if (added.length === 0) return;
        // Something was stored: the body must parse (per the reference) and carry an accepted token for its portal.
        assert.equal(added.length, 1);
        assert.deepEqual(answer, { status: 200, body: { ok: true, stored: true } });
        const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
        const token = referenceToken(text, format);
        assert.ok(token !== null && ACCEPTED.has(token), `stored without an accepted token: ${token}`);
        const portal = ACCEPTED.get(token!);
        if (portal) assert.equal(added[0]!.portal, portal);
        assert.equal(added[0]!.tokenFp, hashToken(token).slice(0, 8));
        expectNoSecrets(added[0]!, text);
      }),
      { seed: SEED, numRuns: RUNS.pipeline },
    );
    console.log(`parser fuzz: pipeline answers to hostile bodies ${JSON.stringify(Object.fromEntries(statuses))}; stored ${stored.length}, quarantined ${quarantined.count}`);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS.pipeline / 4); // the generators do reach the parser's refusals
    expectPristinePrototypes();
  }, 60_000);

  it(`stores each of ${RUNS.valid} valid events with random valid values exactly once, as the record it describes`, async () => {
    const { pipeline, stored, byId } = pipelineUnderTest();
    const tokens = [SEED_TOKEN, WEBHOOK_TOKEN];
    const event = fc.oneof(encodedValidEvent(tokens), encodedValidEvent([BOUND_TOKEN], [BOUND_PORTAL]));
    let fresh = 0;
    let forgedChecked = 0;
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        count('valid');
        const raw = Buffer.from(e.body as string, 'utf8');
        // The same deletion (portal, event, item, type, ts) reported earlier in the run is a duplicate.
        const earlier = byId.get(e.expected.id);
        const storedBefore = stored.length;
        const first = await pipeline.handle(raw, e.format);
        assert.deepEqual(first, { status: 200, body: earlier ? { ok: true, stored: false, duplicate: true } : { ok: true, stored: true } });
        const record = byId.get(e.expected.id)!;
        if (earlier) {
          assert.equal(record, earlier);
        } else {
          fresh++;
          assert.deepEqual(withoutTimes(record), e.expected);
        }
        expectNoSecrets(record, String(e.body));
        // The same event again (the portal may repeat it): acknowledged, not stored twice.
        const again = await pipeline.handle(raw, e.format);
        assert.deepEqual(again, { status: 200, body: { ok: true, stored: false, duplicate: true } });
        assert.equal(stored.length, storedBefore + (earlier ? 0 : 1));
        // With the token changed in one character, the same body is refused and nothing is stored.
        if (!String(e.body).includes(e.token)) return; // written fully percent-encoded
        const forged = Buffer.from(String(e.body).replace(e.token, e.token.slice(0, -1) + (e.token.endsWith('0') ? '1' : '0')), 'utf8');
        const size = stored.length;
        assert.equal((await pipeline.handle(forged, e.format)).status, 401);
        assert.equal(stored.length, size);
        forgedChecked++;
      }),
      { seed: SEED, numRuns: RUNS.valid },
    );
    console.log(`parser fuzz: ${RUNS.valid} valid events, ${fresh} distinct, each stored once; ${forgedChecked} forged-token twins refused`);
    expectPristinePrototypes();
  }, 60_000);
});

/** A real pipeline and token registry over an in-memory log that de-duplicates like the real store. */
function pipelineUnderTest(): { pipeline: EventPipeline; stored: DeletionRecord[]; byId: Map<string, DeletionRecord>; quarantined: { count: number } } {
  const stored: DeletionRecord[] = [];
  const byId = new Map<string, DeletionRecord>();
  const store = {
    async add(record: UnsequencedRecord) {
      if (byId.has(record.id)) return { stored: false, record: null };
      const full = { ...record, seq: stored.length + 1 };
      stored.push(full);
      byId.set(full.id, full);
      return { stored: true, record: full };
    },
  } as unknown as DeletionStore;
  const quarantined = { count: 0 };
  const quarantine = { add: () => void quarantined.count++ } as unknown as QuarantineStore;
  const tokens = new TokenRegistry([...ACCEPTED].map(([token, portal]) => ({ hash: hashToken(token), portal })));
  return { pipeline: new EventPipeline({ store, tokens, quarantine }), stored, byId, quarantined };
}

function withoutTimes(record: DeletionRecord): Omit<DeletionRecord, 'seq' | 'receivedAt'> {
  const { seq: _seq, receivedAt: _receivedAt, ...rest } = record;
  return rest;
}

const SEED_HASH = createHash('sha256').update(SEED_TOKEN).digest('hex');

/**
 * No OAuth or application token of the body appears in the stored record, except where the body itself
 * put the same text in a field that is kept (a domain that happens to equal the token is not a leak).
 */
function expectNoSecrets(record: DeletionRecord, body: string): void {
  const text = JSON.stringify(record);
  const kept = [record.portal, record.memberId, record.clientEndpoint, record.event].map((v) => String(v).toLowerCase());
  for (const name of ['access_token', 'refresh_token', 'application_token']) {
    for (const match of body.matchAll(new RegExp(`${name}(?:%5D|\\]|")[=:]\\s*"?([A-Za-z0-9-]{12,})`, 'g'))) {
      const secret = match[1]!;
      if (kept.some((field) => field.includes(secret.toLowerCase()))) continue;
      assert.ok(!text.includes(secret), `${name} leaked into the record`);
    }
  }
  assert.ok(!text.includes(SEED_HASH));
}

/** A generated tree as the parser would hand it over: null-prototype objects, absent slots dropped. */
function toParsed(value: unknown): ParsedObject {
  const out = Object.create(null) as ParsedObject;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue;
    out[key] = typeof item === 'object' && item !== null ? toParsed(item) : String(item);
  }
  return out;
}

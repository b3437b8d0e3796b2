/**
 * The payload readers take a well-formed event without zod and hand anything else to the zod schemas
 * (payload.ts says why). These properties hold the quick readers to the schemas: whenever the quick
 * reader accepts a body the schema accepts it with the same fields, and it accepts every valid event
 * (so the schema is the fallback for bad input only). FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyError, decodeUtf8, parseFormBody, parseJsonBody, type ParsedObject, type ParsedValue } from '../../../../electron/core/events/parse-body.js';
import { PayloadError, payloadReadersForTests, readDeletion, readEnvelope } from '../../../../electron/core/events/payload.js';
import { hostileBody, mutatedForm, validEvent, toForm, formStyle } from '../fuzz/arbitraries.js';
import { fixture, fixtureNames } from '../../../helpers/fixtures.js';

const { quickEnvelope, schemaEnvelope, quickDeletion, schemaDeletion } = payloadReadersForTests;
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/** The schema's verdict: its result, or the refusal it throws. */
function verdict<T>(read: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    return { ok: false, error: error.message };
  }
}

const stats = { bodies: 0, quickAccepted: 0, schemaOnlyAccepted: 0 };

/** Holds the quick readers to the schemas on one parsed body. */
function agree(body: ParsedObject): void {
  stats.bodies++;
  for (const [quick, schema] of [
    [quickEnvelope, schemaEnvelope],
    [quickDeletion, schemaDeletion],
  ] as const) {
    const fast = quick(body);
    const slow = verdict(() => schema(body));
    if (fast !== null) {
      stats.quickAccepted++;
      expect(slow).toEqual({ ok: true, value: fast });
    } else if (slow.ok) {
      stats.schemaOnlyAccepted++;
    }
  }
}

function parsed(format: 'form' | 'json', body: string | Buffer): ParsedObject | null {
  try {
    const text = decodeUtf8(typeof body === 'string' ? Buffer.from(body) : body);
    return format === 'form' ? parseFormBody(text) : parseJsonBody(text);
  } catch (error) {
    if (error instanceof BodyError) return null;
    throw error;
  }
}

/** Values that sit on the edges of the field rules. */
const edgeValue: fc.Arbitrary<ParsedValue | undefined> = fc.oneof(
  fc.constantFrom<ParsedValue | undefined>(
    undefined, '', '0', '00', '01', '1', '23', '-1', '+1', ' 1', '1 ', '1.0', '1e3', '0x10', '١٢', '9007199254740991', '9007199254740992',
    '9999999999999999', '10000000000000000', '946684799', '946684800', '4102444799', '4102444800', '999999999999', '1000000000000',
    'a.bitrix24.com', 'A.BITRIX24.COM', '-a.com', 'a-.com', 'a', 'a..b', 'x'.repeat(253), 'x'.repeat(254), 'https://a.b/rest/', 'http://a',
    'ftp://a', 'https://a b', 'https://' + 'x'.repeat(292), 'https://' + 'x'.repeat(293), 'abc_DEF-1', 'a'.repeat(64), 'a'.repeat(65), 'a b',
    'ONCRMDEALDELETE', 'oncrmdealdelete', 'ONCRM-DEAL', 'x'.repeat(100), 'x'.repeat(101), 't'.repeat(256), 't'.repeat(257), '__proto__',
  ),
  fc.string({ maxLength: 12 }),
  fc.constant<ParsedValue>(Object.assign(Object.create(null) as ParsedObject, { ID: '1' })),
);

const FIELD_PATHS = [
  ['event'], ['event_handler_id'], ['ts'], ['data'], ['data', 'FIELDS'], ['data', 'FIELDS', 'ID'], ['data', 'FIELDS', 'ENTITY_TYPE_ID'],
  ['auth'], ['auth', 'domain'], ['auth', 'member_id'], ['auth', 'client_endpoint'], ['auth', 'user_id'], ['auth', 'access_token'],
  ['auth', 'refresh_token'], ['auth', 'application_token'],
] as const;

/** A copy of `body` with the value at `path` replaced (or removed when undefined). */
function withField(body: ParsedObject, path: readonly string[], value: ParsedValue | undefined): ParsedObject {
  const copy = structuredClone(body);
  let node: ParsedObject = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object') return copy;
    node = next;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

describe('payload readers', () => {
  it('read every fixture the quick way, with the same fields as the schema', () => {
    for (const name of [...fixtureNames('form'), ...fixtureNames('json')]) {
      const body = parsed(name.endsWith('.json') ? 'json' : 'form', fixture(name))!;
      expect(quickEnvelope(body), name).toEqual(schemaEnvelope(body));
      expect(quickDeletion(body), name).toEqual(schemaDeletion(body));
    }
  });

  it('accept every valid generated event the quick way, and agree with the schema on edge values and hostile bodies', () => {
    console.log(`payload readers: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    fc.assert(
      fc.property(validEvent(['t'.repeat(32)], { json: false }), formStyle, (event, style) => {
        const body = parsed('form', toForm(event.tree, style))!;
        expect(quickEnvelope(body)).not.toBeNull();
        expect(quickDeletion(body)).not.toBeNull();
        agree(body);
      }),
      { seed: SEED, numRuns: 3000 },
    );
    fc.assert(
      fc.property(validEvent(['t'.repeat(32)], { json: true }), (event) => {
        const body = parsed('json', JSON.stringify(event.tree));
        if (body) agree(body);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    const base = parsed('form', fixture('dynamic-item-delete-no-user.form'))!;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), edgeValue), { minLength: 1, maxLength: 3 }), (changes) => {
        agree(changes.reduce((body, [path, value]) => withField(body, path, value), base));
      }),
      { seed: SEED, numRuns: 6000 },
    );
    fc.assert(
      fc.property(fc.oneof(hostileBody, mutatedForm.map((body) => ({ format: 'form' as const, body }))), ({ format, body }) => {
        const tree = parsed(format, body);
        if (tree) agree(tree);
      }),
      { seed: SEED, numRuns: 4000 },
    );
    console.log(
      `payload readers: ${stats.bodies} bodies, ${stats.quickAccepted} parts read the quick way (each equal to the schema's), ` +
        `${stats.schemaOnlyAccepted} accepted by the schema alone`,
    );
    // The quick readers are conservative, but only where the schema is generous in ways no portal uses.
    expect(stats.schemaOnlyAccepted).toBe(0);
  });

  it('refuse a bad event with the schema message that names the field', () => {
    const base = parsed('form', fixture('dynamic-item-delete-no-user.form'))!;
    const kind = readEnvelope(base).kind as Exclude<ReturnType<typeof readEnvelope>['kind'], { kind: 'other' }>;
    expect(() => readDeletion(withField(base, ['data', 'FIELDS', 'ID'], '0'), kind)).toThrow('data[FIELDS][ID] must be a positive whole number');
    expect(() => readDeletion(withField(base, ['ts'], '12'), kind)).toThrow('ts is out of range');
    expect(() => readDeletion(withField(base, ['auth', 'domain'], undefined), kind)).toThrow('auth[domain] is required');
    expect(() => readEnvelope(withField(base, ['event'], 'ONCRM-DEAL'))).toThrow('event must be 1-100 Latin letters, digits or underscores');
  });
});

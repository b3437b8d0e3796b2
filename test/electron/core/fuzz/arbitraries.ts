/**
 * fast-check generators for the event listener: valid deletion events with random valid values (and the
 * record each must become), and hostile bodies built from the real fixtures, bracket-key grammars,
 * percent-encoding edge cases, unicode, duplicate keys, __proto__/constructor, huge numbers, deep nesting
 * and random content types.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { DeletionRecord } from '../../../../electron/core/contract.js';
import { deletionId } from '../../../../electron/core/events/deletion-record.js';
import { fixture, fixtureNames } from '../../../helpers/fixtures.js';

export type Format = 'form' | 'json';

/** A body as sent: text (or bytes) and the format its content type announces. */
export interface Body {
  format: Format;
  body: string | Buffer;
}

// ---- valid events --------------------------------------------------------------------------------

/** A nested tree of values as the portal sends them (JSON may carry numbers, booleans and null). */
export type Tree = { [key: string]: Leaf | Tree };
export type Leaf = string | number | boolean | null;

/** What a valid event must become in the log (seq and receivedAt aside). */
export type ExpectedRecord = Omit<DeletionRecord, 'seq' | 'receivedAt'>;

export interface ValidEvent {
  tree: Tree;
  token: string;
  expected: ExpectedRecord;
}

const FIXED: Record<string, number> = {
  ONCRMLEADDELETE: 1,
  ONCRMDEALDELETE: 2,
  ONCRMCONTACTDELETE: 3,
  ONCRMCOMPANYDELETE: 4,
  ONCRMINVOICEDELETE: 5,
  ONCRMQUOTEDELETE: 7,
};

const safePositive = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 1, arbitrary: fc.constantFrom(1, Number.MAX_SAFE_INTEGER, 2 ** 31 - 1, 2 ** 32) },
);
const entityType = fc.oneof(
  fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 14, 31),
  fc.integer({ min: 128, max: 192 }),
  fc.integer({ min: 515, max: 49_999 }).map((n) => n * 2),
  fc.integer({ min: 1, max: 9_999_999_999 }),
);
const unixSeconds = fc.oneof(fc.integer({ min: 946_684_800, max: 4_102_444_799 }), fc.constantFrom(946_684_800, 4_102_444_799, 1_723_538_149));
const randomCase = (text: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((flips) =>
    [...text].map((c, i) => (flips[i] ? c.toLowerCase() : c.toUpperCase())).join(''),
  );
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const label = fc
  .tuple(fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 1, maxLength: 1 }), fc.string({ unit: fc.constantFrom(...ALNUM, '-'), maxLength: 10 }), fc.string({ unit: fc.constantFrom(...ALNUM), maxLength: 1 }))
  .map(([a, mid, z]) => (z === '' ? a + mid.replace(/-+$/, '') : a + mid + z));
export const domainArb = fc
  .oneof(
    fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
    fc.constantFrom('some-domain.bitrix24.com', 'a.bitrix24.ru', 'x', 'portal-1.bitrix24.de', 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(61)),
  )
  .filter((d) => DOMAIN.test(d))
  .chain((d) => fc.oneof(fc.constant(d), randomCase(d)));
const memberId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const oauthToken = fc.stringMatching(/^[a-z0-9]{32}$/);
/** Values the portal never validates for us: anything printable, unicode included. */
const freeText = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('crm', 'F', 'L', '3600', ''));
const extraName = fc.stringMatching(/^x_[A-Za-z0-9_]{1,12}$/);

/** The seven deletion event names in random case, with the entity type the record must carry. */
const eventShape = fc.oneof(
  fc.constantFrom(...Object.keys(FIXED)).chain((name) =>
    fc.record({
      name: randomCase(name),
      upper: fc.constant(name),
      entityTypeId: fc.constant(FIXED[name]!),
      sentType: fc.option(entityType, { nil: undefined }),
    }),
  ),
  entityType.chain((type) =>
    fc.record({
      name: randomCase('ONCRMDYNAMICITEMDELETE'),
      upper: fc.constant('ONCRMDYNAMICITEMDELETE'),
      entityTypeId: fc.constant(type),
      sentType: fc.constant<number | undefined>(type),
    }),
  ),
  fc.integer({ min: 1, max: 9_999_999_999 }).chain((type) =>
    fc.record({
      name: randomCase(`ONCRMDYNAMICITEMDELETE_${type}`),
      upper: fc.constant(`ONCRMDYNAMICITEMDELETE_${type}`),
      entityTypeId: fc.constant(type),
      sentType: fc.constantFrom<number | undefined>(type, undefined),
    }),
  ),
);

/** A number sent as a string, or (JSON) as a number when that is written the same way. */
const numberLeaf = (n: number, json: boolean): fc.Arbitrary<Leaf> => (json ? fc.constantFrom<Leaf>(String(n), n) : fc.constant(String(n)));

/** A valid deletion event vouched for by one of `tokens`, from one of `portals` when given. */
export function validEvent(tokens: readonly string[], options: { json?: boolean; portals?: readonly string[] } = {}): fc.Arbitrary<ValidEvent> {
  const json = options.json ?? false;
  const portal = options.portals ? fc.constantFrom(...options.portals).chain(randomCase) : domainArb;
  return fc
    .record({
      shape: eventShape,
      token: fc.constantFrom(...tokens),
      itemId: safePositive,
      ts: unixSeconds,
      handler: fc.option(fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constantFrom(0, 999_999_999_999_999)), { nil: undefined }),
      handlerPadded: fc.boolean(),
      domain: portal,
      memberId: fc.option(memberId, { nil: undefined }),
      endpoint: fc.option(fc.constantFrom('https', 'http'), { nil: undefined }),
      userId: fc.option(safePositive, { nil: undefined }),
      access: fc.option(fc.oneof(oauthToken, fc.constant('')), { nil: undefined }),
      refresh: fc.option(oauthToken, { nil: undefined }),
      extrasTop: fc.dictionary(extraName, freeText, { maxKeys: 3 }),
      extrasAuth: fc.dictionary(extraName, freeText, { maxKeys: 3 }),
      extrasFields: fc.dictionary(extraName, freeText, { maxKeys: 2 }),
      authOthers: fc.record({ expires_in: fc.constantFrom('3600', ''), scope: fc.constantFrom('crm', 'crm,user_brief'), status: fc.constantFrom('F', 'L') }, { requiredKeys: [] }),
    })
    .chain((v) => {
      const leaves = {
        itemId: numberLeaf(v.itemId, json),
        sentType: v.shape.sentType === undefined ? fc.constant(undefined) : numberLeaf(v.shape.sentType, json),
        ts: numberLeaf(v.ts, json),
        userId: v.userId === undefined ? fc.constant(undefined) : numberLeaf(v.userId, json),
        // JSON null is an empty value: an absent OAuth token.
        access: v.access === '' && json ? fc.constantFrom<Leaf>('', null) : fc.constant<Leaf | undefined>(v.access),
      };
      return fc.record(leaves).map((l) => {
        const handlerText = v.handler === undefined ? undefined : v.handlerPadded ? String(v.handler).padStart(3, '0') : String(v.handler);
        const endpoint = v.endpoint === undefined ? undefined : `${v.endpoint}://${v.domain.toLowerCase()}/rest/`;
        const fields: Tree = { ID: l.itemId, ...v.extrasFields };
        if (l.sentType !== undefined) fields['ENTITY_TYPE_ID'] = l.sentType;
        const auth: Tree = { domain: v.domain, application_token: v.token, ...v.authOthers, ...v.extrasAuth };
        if (v.memberId !== undefined) auth['member_id'] = v.memberId;
        if (endpoint !== undefined) auth['client_endpoint'] = endpoint;
        if (l.userId !== undefined) auth['user_id'] = l.userId;
        if (l.access !== undefined) auth['access_token'] = l.access;
        if (v.refresh !== undefined) auth['refresh_token'] = v.refresh;
        const tree: Tree = { event: v.shape.name, data: { FIELDS: fields }, ts: l.ts, auth, ...v.extrasTop };
        if (handlerText !== undefined) tree['event_handler_id'] = json && !v.handlerPadded ? v.handler! : handlerText;
        const portal = v.domain.toLowerCase();
        const sentAt = v.ts * 1000;
        const expected: ExpectedRecord = {
          id: deletionId(portal, v.shape.upper, v.itemId, v.shape.entityTypeId, sentAt),
          event: v.shape.upper,
          handlerId: v.handler ?? null,
          itemId: v.itemId,
          entityTypeId: v.shape.entityTypeId,
          sentAt,
          portal,
          memberId: v.memberId ?? null,
          clientEndpoint: endpoint ?? null,
          byUser: Boolean(v.access || v.refresh),
          userId: v.userId ?? null,
          tokenFp: createHash('sha256').update(v.token).digest('hex').slice(0, 8),
        };
        return { tree, token: v.token, expected };
      });
    });
}

// ---- encoding ------------------------------------------------------------------------------------

/** How a form body percent-encodes: PHP's urlencode, RFC 3986, lower-case hex, raw brackets, or everything. */
export type FormStyle = 'php' | 'rfc3986' | 'lowerhex' | 'rawbrackets' | 'everything';
export const formStyle = fc.constantFrom<FormStyle>('php', 'rfc3986', 'lowerhex', 'rawbrackets', 'everything');

function percent(bytes: Buffer, keep: (c: number) => boolean, lower = false): string {
  let out = '';
  for (const b of bytes) {
    if (keep(b)) out += String.fromCharCode(b);
    else if (b === 0x20 && !lower) out += '+';
    else out += '%' + (lower ? b.toString(16).padStart(2, '0') : b.toString(16).toUpperCase().padStart(2, '0'));
  }
  return out;
}

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Encodes one name or value in a style (every style decodes back to the same text). */
export function encodeComponent(text: string, style: FormStyle, isName = false): string {
  const bytes = Buffer.from(text, 'utf8');
  switch (style) {
    case 'php':
      return percent(bytes, (c) => isAlnum(c) || c === 0x2d || c === 0x5f || c === 0x2e);
    case 'rfc3986':
      return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    case 'lowerhex':
      return percent(bytes, (c) => isAlnum(c) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e, true);
    case 'rawbrackets':
      return isName ? encodeURIComponent(text).replace(/%5B/g, '[').replace(/%5D/g, ']') : encodeURIComponent(text);
    case 'everything':
      return percent(bytes, () => false, true).replace(/\+/g, '%20');
  }
}

/** Flattens a tree into PHP's `a[b][c]` names, in tree order. */
export function flatten(tree: Tree, prefix = ''): [string, Leaf][] {
  const out: [string, Leaf][] = [];
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix === '' ? key : `${prefix}[${key}]`;
    if (value !== null && typeof value === 'object') out.push(...flatten(value, name));
    else out.push([name, value]);
  }
  return out;
}

const leafText = (v: Leaf): string => (v === null ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

/** The form body of a tree, pairs in `order` (a permutation), encoded in `style`. */
export function toForm(tree: Tree, style: FormStyle, order?: number[]): string {
  const pairs = flatten(tree);
  const ordered = order ? order.map((i) => pairs[i]!) : pairs;
  return ordered.map(([k, v]) => `${encodeComponent(k, style, true)}=${encodeComponent(leafText(v), style)}`).join('&');
}

/** A valid event as a body the listener must store: form in any style and order, or JSON. */
export function encodedValidEvent(tokens: readonly string[], portals?: readonly string[]): fc.Arbitrary<ValidEvent & Body> {
  const form = validEvent(tokens, { portals }).chain((event) => {
    const n = flatten(event.tree).length;
    const indexes = Array.from({ length: n }, (_, i) => i);
    return fc
      .record({ style: formStyle, order: fc.shuffledSubarray(indexes, { minLength: n, maxLength: n }) })
      .map(({ style, order }) => ({ ...event, format: 'form' as const, body: toForm(event.tree, style, order) }));
  });
  const json = validEvent(tokens, { json: true, portals }).chain((event) =>
    fc.constantFrom(0, 2).map((indent) => ({ ...event, format: 'json' as const, body: JSON.stringify(event.tree, null, indent) })),
  );
  return fc.oneof(form, json);
}

// ---- hostile material ----------------------------------------------------------------------------

const FORM_FIXTURES = fixtureNames('form').map((n) => fixture(n));
const JSON_FIXTURES = fixtureNames('json').map((n) => fixture(n));

/** Percent-encoding edge cases: broken, overlong, surrogates, beyond U+10FFFF, separators, BOM, bidi. */
export const percentEdge = fc.oneof(
  fc.constantFrom(
    '%', '%%', '%2', '%zz', '%G0', '%0', '%%41', '%2%35', '%C0%80', '%C0%AF', '%E0%80%80', '%ED%A0%80', '%ED%BF%BF', '%F4%90%80%80',
    '%F8%88%80%80%80', '%FE', '%FF', '%80', '%C3', '%C3%28', '%EF%BF%BD', '%EF%BF%BF', '%00', '%25', '%2525', '%252e', '%26', '%3D',
    '%5B', '%5D', '%5b%5d', '+', '%2B', '%20', '%E2%80%AE', '%EF%BB%BF', '%F0%9F%98%80', '%e2%82%ac', '%0D%0A', '%u0041',
  ),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => [...bytes].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')),
);

/** Names and values attackers and broken clients send. */
export const hostileToken = fc.oneof(
  fc.constantFrom(
    '__proto__', 'constructor', 'prototype', '__proto__[x]', 'constructor[prototype][x]', 'toString', 'hasOwnProperty', 'valueOf',
    '__defineGetter__', 'then', '', ' ', '[', ']', '[]', '][', '[[x]]', 'a]b[c]', 'event', 'auth', 'data', 'FIELDS', 'ID', 'ts',
    'application_token', '99999999999999999999', '9007199254740992', '9007199254740993', '1e21', '1e999', '-0', '0', '00', '0x1F', '1_000',
    '１２３', '٣', ' 1', '1 ', '+1', '1.0', 'Infinity', 'NaN', 'null', 'true', '\u0000', '\u202e', '\ufeff', '🙂', 'é', 'İ', 'ß', 'ﬃ',
    'A'.repeat(101), 'x'.repeat(201), '%5B__proto__%5D', '<script>', '=cmd|calc!A0', "'; DROP TABLE", '../../etc/passwd', '\r\n',
  ),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  percentEdge,
);

/** Bracket-key grammar: a base and groups, with empty, forbidden and stray-bracket parts. */
export const bracketKey = fc
  .record({
    base: fc.oneof(fc.constantFrom('event', 'auth', 'data', 'ts', 'a', '', '__proto__', 'constructor', 'x]', '[', 'é'), fc.string({ maxLength: 6 })),
    groups: fc.array(
      fc.oneof(fc.constantFrom('FIELDS', 'ID', 'ENTITY_TYPE_ID', 'domain', 'application_token', '', 'prototype', '__proto__', 'b', '0', '[', ']'), fc.string({ maxLength: 4 })),
      { maxLength: 7 },
    ),
    stray: fc.option(fc.constantFrom('[', ']', '][', '[[', ']]', '[x', 'x]'), { nil: undefined }),
    encodeBrackets: fc.boolean(),
  })
  .map(({ base, groups, stray, encodeBrackets }) => {
    let key = base + groups.map((g) => `[${g}]`).join('') + (stray ?? '');
    if (encodeBrackets) key = key.replace(/\[/g, '%5B').replace(/\]/g, '%5D');
    return key;
  });

/** A form pair, raw (as it goes on the wire): names and values from every family above. */
const hostilePair = fc
  .record({
    key: fc.oneof(bracketKey, hostileToken, fc.constantFrom('event', 'data%5BFIELDS%5D%5BID%5D', 'auth%5Bapplication_token%5D', 'ts', 'auth[domain]')),
    value: fc.oneof(hostileToken, fc.constantFrom('ONCRMDYNAMICITEMDELETE', '23', '1220', '1723538149', '51856fefc120afa4b628cc82d3935cce')),
    encode: fc.constantFrom<'raw' | FormStyle>('raw', 'raw', 'php', 'rfc3986'),
    noEquals: fc.boolean(),
  })
  .map(({ key, value, encode, noEquals }) => {
    const k = encode === 'raw' ? key : encodeComponent(key, encode, true);
    const v = encode === 'raw' ? value : encodeComponent(value, encode);
    return noEquals && v === '' ? k : `${k}=${v}`;
  });

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replaceValue'; pair: number; text: string }
  | { kind: 'replaceKey'; pair: number; text: string }
  | { kind: 'duplicatePair'; pair: number }
  | { kind: 'swapPairs'; a: number; b: number }
  | { kind: 'appendPair'; text: string }
  | { kind: 'setChar'; at: number; char: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'repeat'; times: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(hostileToken, percentEdge, fc.constantFrom('&', '=', '&&', '==', '%', '[', ']')) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('replaceValue' as const), pair: fc.nat(), text: fc.oneof(hostileToken, percentEdge) }),
  fc.record({ kind: fc.constant('replaceKey' as const), pair: fc.nat(), text: fc.oneof(bracketKey, hostileToken) }),
  fc.record({ kind: fc.constant('duplicatePair' as const), pair: fc.nat() }),
  fc.record({ kind: fc.constant('swapPairs' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('appendPair' as const), text: hostilePair }),
  fc.record({ kind: fc.constant('setChar' as const), at: fc.nat(), char: fc.constantFrom('%', '&', '=', '[', ']', '+', '"', '{', '}', ',', ':', '\\', '\u0000', 'é', '9') }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), times: fc.integer({ min: 2, max: 40 }) }),
);

function applyMutation(text: string, m: Mutation, separator: string): string {
  const pairs = text.split(separator);
  const at = (n: number): number => (text.length === 0 ? 0 : n % (text.length + 1));
  const pick = (n: number): number => n % pairs.length;
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at));
    case 'delete':
      return text.slice(0, at(m.at)) + text.slice(at(m.at) + m.length);
    case 'replaceValue': {
      const i = pick(m.pair);
      const eq = pairs[i]!.indexOf('=');
      pairs[i] = (eq === -1 ? pairs[i]! : pairs[i]!.slice(0, eq)) + '=' + m.text;
      return pairs.join(separator);
    }
    case 'replaceKey': {
      const i = pick(m.pair);
      const eq = pairs[i]!.indexOf('=');
      pairs[i] = m.text + (eq === -1 ? '' : pairs[i]!.slice(eq));
      return pairs.join(separator);
    }
    case 'duplicatePair':
      return [...pairs, pairs[pick(m.pair)]!].join(separator);
    case 'swapPairs': {
      const [a, b] = [pick(m.a), pick(m.b)];
      [pairs[a], pairs[b]] = [pairs[b]!, pairs[a]!];
      return pairs.join(separator);
    }
    case 'appendPair':
      return text + separator + m.text;
    case 'setChar':
      return text.length === 0 ? m.char : text.slice(0, at(m.at) % text.length) + m.char + text.slice((at(m.at) % text.length) + 1);
    case 'truncate':
      return text.slice(0, at(m.at));
    case 'repeat': {
      // Bounded: a little past the listener's 64 KiB limit is enough to reach the 413 path.
      const times = Math.max(1, Math.min(m.times, Math.floor(80_000 / Math.max(1, text.length))));
      return Array.from({ length: times }, () => text).join(separator);
    }
  }
}

/**
 * Valid generated events to mutate, drawn once with a fixed seed (generating a fresh valid event per
 * hostile case would cost more than the case itself, and a fixed pool keeps FUZZ_SEED replays exact).
 */
const VALID_POOL = fc.sample(validEvent(['51856fefc120afa4b628cc82d3935cce']), { numRuns: 300, seed: 7 });
const VALID_JSON_POOL = fc.sample(validEvent(['51856fefc120afa4b628cc82d3935cce'], { json: true }), { numRuns: 300, seed: 8 });
const VALID_FORMS = VALID_POOL.map((e, i) => toForm(e.tree, (['php', 'rfc3986', 'lowerhex', 'rawbrackets'] as const)[i % 4]));
const VALID_JSONS = VALID_JSON_POOL.map((e) => JSON.stringify(e.tree));

/** A real form fixture (or a valid generated one) after 1-6 random mutations. */
export const mutatedForm = fc
  .record({
    base: fc.oneof(fc.constantFrom(...FORM_FIXTURES), fc.constantFrom(...VALID_FORMS)),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
  })
  .map(({ base, mutations }) => mutations.reduce((text, m) => applyMutation(text, m, '&'), base));

/** A raw-text JSON value, allowing what JSON.stringify cannot write: duplicate keys, 1e999, __proto__. */
type JsonAst = { t: 'str'; v: string } | { t: 'num'; raw: string } | { t: 'lit'; raw: 'true' | 'false' | 'null' } | { t: 'arr'; items: JsonAst[] } | { t: 'obj'; entries: [string, JsonAst][] };

const jsonKey = fc.oneof(
  fc.constantFrom('event', 'data', 'FIELDS', 'ID', 'ENTITY_TYPE_ID', 'ts', 'auth', 'domain', 'application_token', '__proto__', 'constructor', 'prototype', '', 'x'.repeat(201), 'toString'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const jsonNumber = fc.oneof(
  fc.constantFrom('1e999', '-1e999', '1e21', '9007199254740993', '99999999999999999999', '-0', '0', '1.5', '1e-400', '23', '1220', '1723538149', '123456789012345678901234567890'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.integer().map(String),
);
const { ast: jsonAst } = fc.letrec<{ ast: JsonAst }>((tie) => ({
  ast: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(hostileToken, fc.constantFrom('ONCRMDEALDELETE', '23', '51856fefc120afa4b628cc82d3935cce', 'some-domain.bitrix24.com')).map((v): JsonAst => ({ t: 'str', v })),
    jsonNumber.map((raw): JsonAst => ({ t: 'num', raw })),
    fc.constantFrom<'true' | 'false' | 'null'>('true', 'false', 'null').map((raw): JsonAst => ({ t: 'lit', raw })),
    fc.array(tie('ast'), { maxLength: 3 }).map((items): JsonAst => ({ t: 'arr', items })),
    fc.array(fc.tuple(jsonKey, tie('ast')), { maxLength: 5 }).map((entries): JsonAst => ({ t: 'obj', entries })),
  ),
}));

export function jsonText(ast: JsonAst): string {
  switch (ast.t) {
    case 'str':
      return JSON.stringify(ast.v);
    case 'num':
    case 'lit':
      return ast.raw;
    case 'arr':
      return `[${ast.items.map(jsonText).join(',')}]`;
    case 'obj':
      return `{${ast.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  }
}

/** Deep nesting, in objects or arrays, just under and over the limits. */
const deepJson = fc.record({ depth: fc.integer({ min: 1, max: 300 }), array: fc.boolean(), leaf: fc.constantFrom('"x"', '1', '{}', '[]', 'null') }).map(({ depth, array, leaf }) =>
  array ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth),
);

/** A real (or generated valid) JSON event with a path replaced, deleted or added, then maybe text-mutated. */
const mutatedJson = fc
  .record({
    base: fc.oneof(fc.constantFrom(...JSON_FIXTURES), fc.constantFrom(...VALID_JSONS)),
    path: fc.array(fc.constantFrom('data', 'FIELDS', 'ID', 'ENTITY_TYPE_ID', 'auth', 'domain', 'application_token', 'event', 'ts', '__proto__', 'x'), { minLength: 1, maxLength: 4 }),
    op: fc.constantFrom('set', 'delete', 'set', 'rawProto'),
    value: jsonAst,
    textMutations: fc.array(mutation, { maxLength: 2 }),
  })
  .map(({ base, path, op, value, textMutations }) => {
    let text: string;
    if (op === 'rawProto') {
      text = base.replace(/^\s*\{/, `{"${path[0]}":{"__proto__":${jsonText(value)}},`);
    } else {
      const root = JSON.parse(base) as Record<string, unknown>;
      let node: Record<string, unknown> = root;
      // Own properties only: `node['__proto__']` would walk into Object.prototype and pollute this process.
      const own = { enumerable: true, configurable: true, writable: true };
      for (const part of path.slice(0, -1)) {
        const next = Object.hasOwn(node, part) ? node[part] : undefined;
        if (typeof next === 'object' && next !== null) {
          node = next as Record<string, unknown>;
        } else {
          const child: Record<string, unknown> = {};
          Object.defineProperty(node, part, { value: child, ...own });
          node = child;
        }
      }
      const last = path[path.length - 1]!;
      if (op === 'delete') delete node[last];
      else Object.defineProperty(node, last, { value: '\u0000PLACEHOLDER\u0000', ...own });
      text = JSON.stringify(root).replace('"\\u0000PLACEHOLDER\\u0000"', jsonText(value));
    }
    return textMutations.reduce((t, m) => applyMutation(t, m, ','), text);
  });

/** Any form body an attacker might send: pairs, mutated fixtures, raw unicode, repeated separators. */
export const hostileFormText = fc.oneof(
  { weight: 4, arbitrary: mutatedForm },
  { weight: 3, arbitrary: fc.array(hostilePair, { maxLength: 12 }).map((pairs) => pairs.join('&')) },
  // Around the 200-parameter limit (a fixture plus numbered filler, or empty pairs).
  {
    weight: 1,
    arbitrary: fc
      .record({ base: fc.constantFrom(...FORM_FIXTURES), total: fc.integer({ min: 196, max: 204 }), empty: fc.boolean() })
      .map(({ base, total, empty }) => {
        const have = base.split('&').length;
        return base + Array.from({ length: Math.max(0, total - have) }, (_, i) => (empty ? '&' : `&x_${i}=1`)).join('');
      }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom(...FORM_FIXTURES) },
);

/** Any JSON body an attacker might send. */
export const hostileJsonText = fc.oneof(
  { weight: 4, arbitrary: mutatedJson },
  { weight: 3, arbitrary: jsonAst.map(jsonText) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
);

/** Bytes that are not valid UTF-8 placed into otherwise plausible bodies. */
export const brokenUtf8 = fc
  .record({
    base: fc.oneof(fc.constantFrom(...FORM_FIXTURES, ...JSON_FIXTURES)),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.constantFrom([0xff], [0xfe, 0xff], [0xc3], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80], [0xef, 0xbb, 0xbf], [0x00]),
      fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => [...a]),
    ),
  })
  .map(({ base, at, bytes }) => {
    const buf = Buffer.from(base, 'utf8');
    const i = at % (buf.length + 1);
    return Buffer.concat([buf.subarray(0, i), Buffer.from(bytes), buf.subarray(i)]);
  });

/** Any body, announced as form or JSON (the announced format need not match the content). */
export const hostileBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: hostileFormText.map((body): Body => ({ format: 'form', body })) },
  { weight: 4, arbitrary: hostileJsonText.map((body): Body => ({ format: 'json', body })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<Format>('form', 'json'), brokenUtf8).map(([format, body]): Body => ({ format, body })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<Format>('form', 'json'), fc.oneof(hostileFormText, hostileJsonText)).map(([format, body]): Body => ({ format, body })) },
);

// ---- HTTP --------------------------------------------------------------------------------------

/** Content types: the two accepted (with parameters, case, quotes) and many that must get 415. */
export function contentTypeFor(format: Format): fc.Arbitrary<string | undefined> {
  const main = format === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
  const accepted = fc.oneof(
    fc.constant(main),
    randomCase(main),
    fc.constantFrom(`${main}; charset=utf-8`, `${main};charset=UTF-8`, `${main}; charset="utf-8"`, `${main} ; charset=utf8`, `${main}; foo=bar`),
  );
  const refused = fc.oneof(
    fc.constantFrom(
      'text/plain', 'text/plain; charset=utf-8', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', '*/*', '', 'application',
      'application/json-patch+json', 'application/x-www-form-urlencoded-x', 'application/jsonx', `${main}; charset=iso-8859-1`, `${main}; charset=utf-16`,
      `${main}; charset`, `${main}; charset=`, 'application/x-www-form-urlencoded, application/json', 'json', 'form', `${main}\u00a0`,
    ),
    fc.string({ maxLength: 20 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  );
  return fc.oneof({ weight: 6, arbitrary: accepted }, { weight: 2, arbitrary: refused }, { weight: 1, arbitrary: fc.constant(undefined) });
}

/** Methods, paths and extra headers a request may carry. */
export const requestFrame = fc.record({
  method: fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post', 'TRACE', 'PROPFIND') }),
  path: fc.oneof(
    { weight: 12, arbitrary: fc.constant('/') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '/?x=1', '/?', '/#frag', '/health', '/health?x', '//', '/.', '/..', '/%2e%2e/', '/index.html', '/api/call/getSettings', '/api/events',
        '/dashboard', '/%00', '/%C3%A9', '/' + 'a'.repeat(2000), '*',
      ),
    },
  ),
  chunked: fc.boolean(),
  extra: fc.dictionary(
    fc.constantFrom('x-forwarded-for', 'user-agent', 'origin', 'referer', 'x-monitor-key', 'cookie', 'authorization', 'x-b24-junk', 'accept-encoding'),
    fc.oneof(fc.constantFrom('Bitrix24 Webhook Engine', '127.0.0.1', 'https://evil.example', 'null', 'gzip'), fc.stringMatching(/^[\x21-\x7e]{0,40}$/)),
    { maxKeys: 3 },
  ),
  // Only 100-continue: Node itself answers any other Expect with 417 before the listener runs (see SECURITY.md).
  expectContinue: fc.boolean(),
});

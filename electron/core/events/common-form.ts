/**
 * The form body of an ordinary event, read in one pass. Bitrix24 sends the same dozen or so fields,
 * always written the same way (`data%5BFIELDS%5D%5BID%5D=...`), so a body made only of those names,
 * each once, can be read without the general parser: no whole-body percent-decoding, no splitting of
 * bracketed names, no objects with names chosen by the sender. With the UTF-8 decode, that parser takes
 * 7-8 µs an event and this reader 2-2.5 µs (`npm run bench:payload`): it matters at thousands a second.
 *
 * Anything else (another name, a name written another way, a name twice, an empty or `=`-less part, a
 * value that does not decode) returns null, and the caller uses parseFormBody(), which accepts or refuses
 * it with its message. test/electron/core/events/common-form.test.ts holds every result of this reader
 * equal to parseFormBody()'s over generated and hostile bodies.
 */
import type { ParsedObject } from './parse-body.js';
import { flatCopy } from './interned.js';

/**
 * Objects whose prototype has no properties at all (like the general parser's): a missing field reads
 * as undefined whatever its name. A constructor rather than Object.create(null), so V8 keeps them in
 * fast mode; only the fixed names below are ever set on them.
 */
const Fields = function (this: ParsedObject) {} as unknown as { new (): ParsedObject };
Fields.prototype = Object.create(null) as object;

const enum Group {
  Root,
  DataFields,
  Auth,
}

const AUTH_FIELDS = [
  'access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id',
  'user_id', 'refresh_token', 'application_token',
];

/**
 * Fields whose last value is not kept (see Field): secrets (no token stays in memory because it was the
 * last one sent), and the item id, which differs in every event.
 */
const NOT_KEPT = new Set(['access_token', 'refresh_token', 'application_token', 'ID']);

/** Each name as the portal writes it (PHP's http_build_query: brackets as %5B and %5D) → where it goes. */
let slots = 0;
const field = (group: Group, name: string): Field => ({ group, name, slot: slots++, remember: !NOT_KEPT.has(name), lastRaw: null, lastValue: '' });
const KNOWN_NAMES = new Map<string, Field>([
  ['event', field(Group.Root, 'event')],
  ['event_handler_id', field(Group.Root, 'event_handler_id')],
  ['ts', field(Group.Root, 'ts')],
  ['data%5BFIELDS%5D%5BID%5D', field(Group.DataFields, 'ID')],
  ['data%5BFIELDS%5D%5BENTITY_TYPE_ID%5D', field(Group.DataFields, 'ENTITY_TYPE_ID')],
  ...AUTH_FIELDS.map((name) => [`auth%5B${name}%5D`, field(Group.Auth, name)] as const),
]);

/**
 * A known field, with the raw text and decoded value it had last time. A portal's events repeat most
 * values (its domain, endpoints, member id, token, event name) from one request to the next: a value
 * whose raw text matches the last one is taken as decoded then, without cutting, scanning or decoding it
 * again. What is kept is a copy (no body stays alive through it), and never a token.
 */
type Field = { group: Group; name: string; slot: number; remember: boolean; lastRaw: string | null; lastValue: string };


/** The known names grouped by length, so a name is matched where it stands (no substring made per name). */
const NAMES_BY_LENGTH: (readonly (readonly [string, Field])[] | undefined)[] = [];
for (const [raw, field] of KNOWN_NAMES) ((NAMES_BY_LENGTH[raw.length] ??= []) as (readonly [string, Field])[]).push([raw, field]);

function knownName(text: string, start: number, end: number): Field | undefined {
  const candidates = NAMES_BY_LENGTH[end - start];
  if (candidates === undefined) return undefined;
  for (const [raw, field] of candidates) if (text.startsWith(raw, start)) return field;
  return undefined;
}

const PERCENT = 37;
const PLUS = 43;

/** A value as the general parser decodes it: `+` is a space, then percent-decoding; undefined when that fails. */
function decodeValue(text: string, from: number, to: number): string | undefined {
  let percent = false;
  let plus = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === PERCENT) percent = true;
    else if (c === PLUS) plus = true;
  }
  const raw = text.slice(from, to);
  if (!percent && !plus) return raw;
  try {
    return decodeURIComponent(plus ? raw.replaceAll('+', ' ') : raw);
  } catch {
    return undefined;
  }
}

/** The parsed body when it holds only the fields a portal sends, each once; null to use parseFormBody(). */
export function parseCommonForm(text: string): ParsedObject | null {
  // Values go to their field's slot first and into objects at the end, each stored under a name written
  // in the code: one store site per name is one shape for V8, where a store under a computed name (as
  // before) went through its generic lookup for every field of every event.
  const values = VALUES;
  values.fill(undefined);
  const length = text.length;
  let start = 0;
  while (start <= length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = length;
    const equals = text.indexOf('=', start);
    if (equals === -1 || equals > end) return null;
    const known = knownName(text, start, equals);
    if (known === undefined) return null;
    let value: string | undefined;
    const last = known.lastRaw;
    if (last !== null && last.length === end - equals - 1 && text.startsWith(last, equals + 1)) value = known.lastValue;
    else {
      value = decodeValue(text, equals + 1, end);
      if (value === undefined) return null;
      if (known.remember) {
        known.lastRaw = flatCopy(text.slice(equals + 1, end));
        known.lastValue = flatCopy(value);
      }
    }
    if (values[known.slot] !== undefined) return null; // twice: the general parser refuses it by name
    values[known.slot] = value;
    start = end + 1;
  }
  return build(values);
}

/** One slot per known field, in KNOWN_NAMES' order (reused: the reader never runs twice at once). */
const VALUES: (string | undefined)[] = new Array<string | undefined>(slots).fill(undefined);

/** The parsed body from the slots: only the fields sent, and a group only when one of its fields was. */
function build(v: (string | undefined)[]): ParsedObject {
  const root = new Fields();
  if (v[0] !== undefined) root['event'] = v[0];
  if (v[1] !== undefined) root['event_handler_id'] = v[1];
  if (v[2] !== undefined) root['ts'] = v[2];
  if (v[3] !== undefined || v[4] !== undefined) {
    const fields = new Fields();
    if (v[3] !== undefined) fields['ID'] = v[3];
    if (v[4] !== undefined) fields['ENTITY_TYPE_ID'] = v[4];
    const data = new Fields();
    data['FIELDS'] = fields;
    root['data'] = data;
  }
  let any = false;
  for (let i = 5; i < v.length; i++) any ||= v[i] !== undefined;
  if (any) {
    const auth = new Fields();
    if (v[5] !== undefined) auth['access_token'] = v[5];
    if (v[6] !== undefined) auth['expires'] = v[6];
    if (v[7] !== undefined) auth['expires_in'] = v[7];
    if (v[8] !== undefined) auth['scope'] = v[8];
    if (v[9] !== undefined) auth['domain'] = v[9];
    if (v[10] !== undefined) auth['server_endpoint'] = v[10];
    if (v[11] !== undefined) auth['status'] = v[11];
    if (v[12] !== undefined) auth['client_endpoint'] = v[12];
    if (v[13] !== undefined) auth['member_id'] = v[13];
    if (v[14] !== undefined) auth['user_id'] = v[14];
    if (v[15] !== undefined) auth['refresh_token'] = v[15];
    if (v[16] !== undefined) auth['application_token'] = v[16];
    root['auth'] = auth;
  }
  return root;
}

// build() names the slots in this order: a change to the names above must change it too.
const SLOT_NAMES = ['event', 'event_handler_id', 'ts', 'ID', 'ENTITY_TYPE_ID', ...AUTH_FIELDS];
for (const f of KNOWN_NAMES.values()) if (SLOT_NAMES[f.slot] !== f.name) throw new Error(`common-form: slot ${f.slot} is ${f.name}, build() says ${SLOT_NAMES[f.slot]}`);

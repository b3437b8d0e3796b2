/**
 * Reads a parsed Bitrix24 event into typed fields. Every value arrives as a string; numbers are
 * converted only when they are whole, in range and written plainly. A refusal names the field the way
 * the portal writes it (`data[FIELDS][ID]`).
 */
import { z } from 'zod';
import { EVENT_NAME_PATTERN, classifyEvent, type EventKind } from './bitrix-events.js';
import type { ParsedObject, ParsedValue } from './parse-body.js';
import { flatCopy } from './interned.js';

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

const positiveInt = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive whole number')
  .refine((v) => Number(v) <= Number.MAX_SAFE_INTEGER, 'is too large')
  .transform(Number);

/** `ts`: Unix seconds, between 2000-01-01 and 2100-01-01. */
const unixSeconds = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .regex(/^[0-9]{1,12}$/, 'must be Unix seconds')
  .transform(Number)
  .refine((v) => v >= 946_684_800 && v < 4_102_444_800, 'is out of range');

const envelopeSchema = z.object({
  event: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .regex(EVENT_NAME_PATTERN, 'must be 1-100 Latin letters, digits or underscores'),
  event_handler_id: z.string().regex(/^[0-9]{1,15}$/, 'must be a whole number').transform(Number).optional(),
  auth: z
    .object({
      application_token: z.string().max(256, 'is too long').optional(),
    }, { error: 'must be a group of fields' })
    .optional(),
});

const deletionSchema = z.object({
  ts: unixSeconds,
  data: z.object(
    {
      FIELDS: z.object(
        { ID: positiveInt, ENTITY_TYPE_ID: positiveInt.optional() },
        { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a group of fields') },
      ),
    },
    { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a group of fields') },
  ),
  auth: z.object({
    domain: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$/, 'must be a domain name')
      .transform((v) => v.toLowerCase()),
    member_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters or digits').optional(),
    client_endpoint: z.string().max(300, 'is too long').regex(/^https?:\/\/[^\s"<>]+$/, 'must be an http(s) URL').optional(),
    user_id: positiveInt.optional(),
    access_token: z.string().optional(),
    refresh_token: z.string().optional(),
  }),
});

/** Formats a zod path the way PHP forms write it: `data[FIELDS][ID]`. */
function fieldName(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path.map(String);
  return (first ?? 'body') + rest.map((p) => `[${p}]`).join('');
}

function fail(error: z.ZodError): never {
  const issue = error.issues[0]!;
  throw new PayloadError(`${fieldName(issue.path)} ${issue.message}`);
}

export interface Envelope {
  /** Upper-cased event name. */
  event: string;
  kind: EventKind;
  handlerId: number | null;
  /** The application token as sent, or null. Never store or log it. */
  applicationToken: string | null;
}

// The schemas above are the definition of a valid event, and they explain every refusal. They are not
// what runs for each event, though: zod's parsing internals are shared by every schema in the process,
// and once the settings and UI schemas have run too, V8 sees them with many shapes and slows them ~4x
// (`npm run bench:payload`: 1.8 µs an event alone, 7.6 µs once another schema has run; these readers
// 0.6 µs either way). The readers below take a well-formed event in a few plain checks
// and hand anything else to the schema, which refuses it with its message (or, should the two ever
// disagree, accepts it: the schema has the last word). test/electron/core/events/payload.test.ts holds
// the two to the same results over generated bodies.

const HANDLER_ID = /^[0-9]{1,15}$/;
const POSITIVE_INT = /^[1-9][0-9]{0,15}$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;
// An optional `:port`: a test portal on 127.0.0.1 (`serve --allow-loopback-portal`) names itself `127.0.0.1:PORT`.
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$/;
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ENDPOINT = /^https?:\/\/[^\s"<>]+$/;

type Raw = ParsedValue | undefined;

/**
 * `pattern.test`, remembering the last value that passed: a portal sends the same event name, domain,
 * member id and endpoint again and again (the form reader even hands back the same strings), and a
 * string equal to one that matched matches. The patterns have no flags that keep state.
 */
function remembered(pattern: RegExp): (value: string) => boolean {
  let passed: string | null = null;
  return (value) => {
    if (value === passed) return true;
    if (!pattern.test(value)) return false;
    passed = flatCopy(value); // a copy: no request body stays alive through it
    return true;
  };
}

/** `convert(value)`, remembering the last value and its result (same reasoning as remembered()). */
function rememberedCase(convert: (value: string) => string): (value: string) => string {
  let input: string | null = null;
  let output = '';
  return (value) => {
    if (value !== input) {
      input = flatCopy(value);
      output = flatCopy(convert(value));
    }
    return output;
  };
}

const isEventName = remembered(EVENT_NAME_PATTERN);
const isDomain = remembered(DOMAIN);
const isMemberId = remembered(MEMBER_ID);
const isEndpoint = remembered(ENDPOINT);
const upperCase = rememberedCase((v) => v.toUpperCase());
/** Lower-cases a domain (also used by the pipeline to pick the token's portal). */
export const lowerCaseDomain = rememberedCase((v) => v.toLowerCase());

/** A positive whole number written plainly, or NaN when it is anything else. */
function plainPositiveInt(value: Raw): number {
  if (typeof value !== 'string' || !POSITIVE_INT.test(value)) return NaN;
  const n = Number(value);
  return n <= Number.MAX_SAFE_INTEGER ? n : NaN;
}

/** An optional string passing `test` (and at most `max` long): the value, undefined when absent, null when bad. */
function optionalText(value: Raw, test: (value: string) => boolean, max = Infinity): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' && value.length <= max && test(value) ? value : null;
}

interface EnvelopeFields {
  event: string;
  handlerId: number | null;
  token: string | undefined;
}

/** The envelope of a well-formed event, or null to let the schema decide. */
function quickEnvelope(body: ParsedObject): EnvelopeFields | null {
  const event = body['event'];
  if (typeof event !== 'string' || !isEventName(event)) return null;
  const handler = body['event_handler_id'];
  if (handler !== undefined && (typeof handler !== 'string' || !HANDLER_ID.test(handler))) return null;
  const auth = body['auth'];
  let token: string | undefined;
  if (auth !== undefined) {
    if (typeof auth !== 'object') return null;
    const value = auth['application_token'];
    if (value !== undefined && (typeof value !== 'string' || value.length > 256)) return null;
    token = value;
  }
  return { event, handlerId: handler === undefined ? null : Number(handler), token };
}

function schemaEnvelope(body: ParsedObject): EnvelopeFields {
  const result = envelopeSchema.safeParse(body);
  if (!result.success) fail(result.error);
  return { event: result.data.event, handlerId: result.data.event_handler_id ?? null, token: result.data.auth?.application_token };
}

/** Reads what every event carries: its name, handler id and application token. */
export function readEnvelope(body: ParsedObject): Envelope {
  const fields = quickEnvelope(body) ?? schemaEnvelope(body);
  const event = upperCase(fields.event);
  return {
    event,
    kind: classifyEvent(event),
    handlerId: fields.handlerId,
    applicationToken: fields.token === undefined || fields.token === '' ? null : fields.token,
  };
}

export interface DeletionFields {
  itemId: number;
  entityTypeId: number;
  sentAt: number;
  portal: string;
  memberId: string | null;
  clientEndpoint: string | null;
  byUser: boolean;
  userId: number | null;
}

interface DeletionParts {
  ts: number;
  itemId: number;
  /** `data[FIELDS][ENTITY_TYPE_ID]` as sent. */
  entityTypeId: number | undefined;
  portal: string;
  memberId: string | null;
  clientEndpoint: string | null;
  byUser: boolean;
  userId: number | null;
}

/** The fields of a well-formed deletion, or null to let the schema decide. */
function quickDeletion(body: ParsedObject): DeletionParts | null {
  const tsText = body['ts'];
  if (typeof tsText !== 'string' || !UNIX_SECONDS.test(tsText)) return null;
  const ts = Number(tsText);
  if (ts < 946_684_800 || ts >= 4_102_444_800) return null;
  const data = body['data'];
  const fields = typeof data === 'object' ? data['FIELDS'] : undefined;
  const auth = body['auth'];
  if (typeof fields !== 'object' || typeof auth !== 'object') return null;
  const itemId = plainPositiveInt(fields['ID']);
  const sentType = fields['ENTITY_TYPE_ID'];
  const entityTypeId = sentType === undefined ? undefined : plainPositiveInt(sentType);
  const domain = auth['domain'];
  const memberId = optionalText(auth['member_id'], isMemberId);
  const clientEndpoint = optionalText(auth['client_endpoint'], isEndpoint, 300);
  const userText = auth['user_id'];
  const userId = userText === undefined ? undefined : plainPositiveInt(userText);
  const access = auth['access_token'];
  const refresh = auth['refresh_token'];
  if (
    Number.isNaN(itemId) ||
    Number.isNaN(entityTypeId) ||
    Number.isNaN(userId) ||
    typeof domain !== 'string' ||
    !isDomain(domain) ||
    memberId === null ||
    clientEndpoint === null ||
    (access !== undefined && typeof access !== 'string') ||
    (refresh !== undefined && typeof refresh !== 'string')
  ) {
    return null;
  }
  return {
    ts,
    itemId,
    entityTypeId,
    portal: lowerCaseDomain(domain),
    memberId: memberId ?? null,
    clientEndpoint: clientEndpoint ?? null,
    byUser: Boolean(access || refresh),
    userId: userId ?? null,
  };
}

function schemaDeletion(body: ParsedObject): DeletionParts {
  const result = deletionSchema.safeParse(body);
  if (!result.success) fail(result.error);
  const { ts, data, auth } = result.data;
  return {
    ts,
    itemId: data.FIELDS.ID,
    entityTypeId: data.FIELDS.ENTITY_TYPE_ID,
    portal: auth.domain,
    memberId: auth.member_id ?? null,
    clientEndpoint: auth.client_endpoint ?? null,
    // OAuth tokens are present only when a user's action raised the event.
    byUser: Boolean(auth.access_token || auth.refresh_token),
    userId: auth.user_id ?? null,
  };
}

/** Reads the fields of a deletion event; `kind` says where the entity type comes from. */
export function readDeletion(body: ParsedObject, kind: Exclude<EventKind, { kind: 'other' }>): DeletionFields {
  const parts = quickDeletion(body) ?? schemaDeletion(body);
  let entityTypeId: number;
  if (kind.kind === 'fixed') {
    entityTypeId = kind.entityTypeId;
  } else {
    const sent = parts.entityTypeId;
    if (kind.entityTypeId !== null && sent !== undefined && sent !== kind.entityTypeId) {
      throw new PayloadError(`data[FIELDS][ENTITY_TYPE_ID] ${sent} contradicts the event name (type ${kind.entityTypeId})`);
    }
    const resolved = sent ?? kind.entityTypeId;
    if (resolved === null) throw new PayloadError('data[FIELDS][ENTITY_TYPE_ID] is required');
    entityTypeId = resolved;
  }
  return {
    itemId: parts.itemId,
    entityTypeId,
    sentAt: parts.ts * 1000,
    portal: parts.portal,
    memberId: parts.memberId,
    clientEndpoint: parts.clientEndpoint,
    byUser: parts.byUser,
    userId: parts.userId,
  };
}

/** Both readers of each part, for the test that holds them to the same results. */
export const payloadReadersForTests = { quickEnvelope, schemaEnvelope, quickDeletion, schemaDeletion };

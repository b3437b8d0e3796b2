/**
 * Reads a parsed Bitrix24 event into typed fields. Every value arrives as a string; numbers are
 * converted only when they are whole, in range and written plainly. A refusal names the field the way
 * the portal writes it (`data[FIELDS][ID]`).
 */
import { z } from 'zod';
import { EVENT_NAME_PATTERN, classifyEvent, type EventKind } from './bitrix-events.js';
import type { ParsedObject } from './parse-body.js';

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
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'must be a domain name')
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

/** Reads what every event carries: its name, handler id and application token. */
export function readEnvelope(body: ParsedObject): Envelope {
  const result = envelopeSchema.safeParse(body);
  if (!result.success) fail(result.error);
  const event = result.data.event.toUpperCase();
  const token = result.data.auth?.application_token;
  return {
    event,
    kind: classifyEvent(event),
    handlerId: result.data.event_handler_id ?? null,
    applicationToken: token === undefined || token === '' ? null : token,
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

/** Reads the fields of a deletion event; `kind` says where the entity type comes from. */
export function readDeletion(body: ParsedObject, kind: Exclude<EventKind, { kind: 'other' }>): DeletionFields {
  const result = deletionSchema.safeParse(body);
  if (!result.success) fail(result.error);
  const { ts, data, auth } = result.data;
  let entityTypeId: number;
  if (kind.kind === 'fixed') {
    entityTypeId = kind.entityTypeId;
  } else {
    const sent = data.FIELDS.ENTITY_TYPE_ID;
    if (kind.entityTypeId !== null && sent !== undefined && sent !== kind.entityTypeId) {
      throw new PayloadError(`data[FIELDS][ENTITY_TYPE_ID] ${sent} contradicts the event name (type ${kind.entityTypeId})`);
    }
    const resolved = sent ?? kind.entityTypeId;
    if (resolved === null) throw new PayloadError('data[FIELDS][ENTITY_TYPE_ID] is required');
    entityTypeId = resolved;
  }
  return {
    itemId: data.FIELDS.ID,
    entityTypeId,
    sentAt: ts * 1000,
    portal: auth.domain,
    memberId: auth.member_id ?? null,
    clientEndpoint: auth.client_endpoint ?? null,
    // OAuth tokens are present only when a user's action raised the event.
    byUser: Boolean(auth.access_token || auth.refresh_token),
    userId: auth.user_id ?? null,
  };
}

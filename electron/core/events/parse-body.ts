/**
 * Turns a request body (PHP `http_build_query` form encoding, or JSON) into a plain nested object of
 * strings, refusing anything Bitrix24 would never send. Hostile input is expected: every refusal is a
 * `BodyError` with a message that names what was wrong.
 */
import fastQueryString from 'fast-querystring';

/** A parsed body: nested objects of strings, with null prototypes (no prototype pollution possible). */
export type ParsedValue = string | ParsedObject;
export interface ParsedObject {
  [key: string]: ParsedValue;
}

export class BodyError extends Error {
  override readonly name = 'BodyError';
}

/** Bitrix24 nests at most three levels (`data[FIELDS][ID]`); a little headroom for unknown keys. */
export const MAX_DEPTH = 4;
/** A real event has about 15 fields; anything near this is not from a portal. */
export const MAX_PARAMETERS = 200;
const MAX_KEY_LENGTH = 200;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes as strict UTF-8 (a lone or broken byte sequence is an error, not U+FFFD). */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BodyError('body is not valid UTF-8');
  }
}

function newObject(): ParsedObject {
  return Object.create(null) as ParsedObject;
}

/** Splits `data[FIELDS][ID]` into `['data', 'FIELDS', 'ID']`, refusing odd shapes. */
function keyPath(key: string): string[] {
  if (key.length === 0) throw new BodyError('empty parameter name');
  if (key.length > MAX_KEY_LENGTH) throw new BodyError('parameter name too long');
  const open = key.indexOf('[');
  if (open === -1) {
    if (key.includes(']')) throw new BodyError(`malformed parameter name "${key.slice(0, 40)}"`);
    return [key];
  }
  const path = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    const close = rest.indexOf(']');
    if (rest[0] !== '[' || close === -1) throw new BodyError(`malformed parameter name "${key.slice(0, 40)}"`);
    const part = rest.slice(1, close);
    if (part.includes('[')) throw new BodyError(`malformed parameter name "${key.slice(0, 40)}"`);
    path.push(part);
    rest = rest.slice(close + 1);
    if (path.length > MAX_DEPTH) throw new BodyError(`parameter "${key.slice(0, 40)}" nests deeper than ${MAX_DEPTH} levels`);
  }
  for (const part of path) {
    if (part === '') throw new BodyError(`array parameter "${key.slice(0, 40)}" where a named field belongs`);
  }
  return path;
}

function assign(root: ParsedObject, path: string[], value: string): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const part = path[i]!;
    if (FORBIDDEN_KEYS.has(part)) throw new BodyError(`forbidden parameter name "${part}"`);
    const existing = node[part];
    if (i === path.length - 1) {
      if (existing !== undefined) throw new BodyError(`parameter "${path.join('.')}" given more than once`);
      node[part] = value;
      return;
    }
    if (existing === undefined) {
      const child = newObject();
      node[part] = child;
      node = child;
    } else if (typeof existing === 'string') {
      throw new BodyError(`parameter "${path.slice(0, i + 1).join('.')}" is both a value and a group`);
    } else {
      node = existing;
    }
  }
}

/** Parses a form-urlencoded body the way PHP builds it, expanding bracketed keys into nested objects. */
export function parseFormBody(text: string): ParsedObject {
  let count = 1;
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (++count > MAX_PARAMETERS) throw new BodyError(`more than ${MAX_PARAMETERS} parameters`);
  }
  // fast-querystring keeps undecodable sequences as raw text; one strict pass over the whole body
  // turns bad percent-encoding and percent-encoded invalid UTF-8 into an error instead.
  try {
    decodeURIComponent(text);
  } catch {
    throw new BodyError('bad percent-encoding');
  }
  const flat = fastQueryString.parse(text) as Record<string, string | string[]>;
  const root = newObject();
  for (const key in flat) {
    const value = flat[key]!;
    if (typeof value !== 'string') throw new BodyError(`parameter "${key.slice(0, 40)}" given more than once`);
    assign(root, keyPath(key), value);
  }
  return root;
}

/** Parses a JSON body into the same shape as a form body: objects of strings (numbers become strings). */
export function parseJsonBody(text: string): ParsedObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BodyError('JSON body must be an object');
  }
  let parameters = 0;
  const convert = (input: object, depth: number): ParsedObject => {
    if (depth > MAX_DEPTH) throw new BodyError(`JSON nests deeper than ${MAX_DEPTH} levels`);
    const out = newObject();
    for (const [key, item] of Object.entries(input)) {
      if (FORBIDDEN_KEYS.has(key)) throw new BodyError(`forbidden parameter name "${key}"`);
      if (key.length > MAX_KEY_LENGTH) throw new BodyError('parameter name too long');
      if (++parameters > MAX_PARAMETERS) throw new BodyError(`more than ${MAX_PARAMETERS} parameters`);
      if (typeof item === 'string') out[key] = item;
      else if (typeof item === 'number') {
        if (!Number.isFinite(item)) throw new BodyError(`"${key.slice(0, 40)}" is not a finite number`);
        out[key] = String(item);
      }
      else if (typeof item === 'boolean') out[key] = item ? '1' : '0';
      else if (item === null) out[key] = '';
      else if (Array.isArray(item)) throw new BodyError(`"${key}" is an array where a value or group belongs`);
      else out[key] = convert(item as object, depth + 1);
    }
    return out;
  };
  return convert(value, 1);
}

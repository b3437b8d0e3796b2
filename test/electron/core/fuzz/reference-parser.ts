/**
 * An independent statement of what `parseFormBody` / `parseJsonBody` must produce, written from the
 * rules in parse-body.ts's comments and BITRIX24.md rather than from its code: the fuzz tests compare the
 * real parser against it on every generated body (differential testing). Both answer either a canonical
 * JSON string of the nested object of strings, or REJECT.
 *
 * Form rules: at most 200 parameters ('&'-separated, empty ones counted); strict percent-encoding
 * ('+' is a space); a parameter name is `base[part][part]...` (no empty part, no stray bracket, at most
 * 4 levels, at most 200 characters, no __proto__/constructor/prototype anywhere); every name given once;
 * no name both a value and a group.
 * JSON rules: an object at the top; at most 4 levels of objects; at most 200 names in all; strings kept,
 * finite numbers as String(n), booleans '1'/'0', null ''; arrays and non-finite numbers refused.
 */

export const REJECT = 'REJECT' as const;
export type Reference = string | typeof REJECT;

const MAX_DEPTH = 4;
const MAX_PARAMETERS = 200;
const MAX_KEY_LENGTH = 200;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

type Tree = { [key: string]: string | Tree };

class Rejected extends Error {}
const reject = (): never => {
  throw new Rejected();
};

/** Keys sorted at every level, so two trees compare as strings. */
export function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return reject();
  }
}

/** `a[b][c]` → ['a', 'b', 'c'], or reject. */
function namePath(name: string): string[] {
  if (name.length === 0 || name.length > MAX_KEY_LENGTH) reject();
  let path: string[];
  if (!name.includes('[')) {
    if (name.includes(']')) reject();
    path = [name];
  } else {
    const match = /^([^[]*)((?:\[[^[\]]*\])+)$/.exec(name);
    if (!match) return reject();
    path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
  }
  if (path.length > MAX_DEPTH) reject();
  if (path.some((p) => p === '' || FORBIDDEN.has(p))) reject();
  return path;
}

function put(root: Tree, path: string[], value: string): void {
  let node = root;
  path.forEach((part, i) => {
    const existing = Object.hasOwn(node, part) ? node[part] : undefined;
    if (i === path.length - 1) {
      if (existing !== undefined) reject();
      node[part] = value;
    } else if (existing === undefined) {
      const child: Tree = {};
      node[part] = child;
      node = child;
    } else if (typeof existing === 'string') {
      reject();
    } else {
      node = existing;
    }
  });
}

export function referenceForm(text: string): Reference {
  try {
    if (text.split('&').length > MAX_PARAMETERS) reject();
    const seen = new Set<string>();
    const pairs: [string, string][] = [];
    for (const pair of text.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
      if (seen.has(name)) reject();
      seen.add(name);
      pairs.push([name, value]);
    }
    const root: Tree = {};
    for (const [name, value] of pairs) put(root, namePath(name), value);
    return canonical(root);
  } catch (error) {
    if (error instanceof Rejected) return REJECT;
    throw error;
  }
}

export function referenceJson(text: string): Reference {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return REJECT;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return REJECT;
  let names = 0;
  const convert = (input: object, depth: number): Tree => {
    if (depth > MAX_DEPTH) reject();
    const out: Tree = {};
    for (const [key, item] of Object.entries(input)) {
      if (FORBIDDEN.has(key) || key.length > MAX_KEY_LENGTH || ++names > MAX_PARAMETERS) reject();
      if (typeof item === 'string') out[key] = item;
      else if (typeof item === 'number') out[key] = Number.isFinite(item) ? String(item) : reject();
      else if (typeof item === 'boolean') out[key] = item ? '1' : '0';
      else if (item === null) out[key] = '';
      else if (Array.isArray(item)) reject();
      else out[key] = convert(item as object, depth + 1);
    }
    return out;
  };
  try {
    return canonical(convert(value, 1));
  } catch (error) {
    if (error instanceof Rejected) return REJECT;
    throw error;
  }
}

/** The application token a body carries according to the reference parse (null when none or rejected). */
export function referenceToken(text: string, format: 'form' | 'json'): string | null {
  const parsed = format === 'form' ? referenceForm(text) : referenceJson(text);
  if (parsed === REJECT) return null;
  const tree = JSON.parse(parsed) as Tree;
  const auth = tree['auth'];
  if (typeof auth !== 'object') return null;
  const token = auth['application_token'];
  return typeof token === 'string' && token !== '' ? token : null;
}

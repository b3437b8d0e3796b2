import { describe, expect, it } from 'vitest';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, fixture, formToJson } from '../../../helpers/fixtures.js';
import { request } from '../../../helpers/http-client.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const base = fixture('dynamic-item-delete-no-user.form');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are mutated freely to make them hostile
type Loose = any;
const baseJson = JSON.parse(formToJson(base)) as Record<string, Loose>;
const swap = (from: string, to: string): string => {
  if (!base.includes(from)) throw new Error(`fixture has no ${from}`);
  return base.replace(from, to);
};
const withJson = (mutate: (body: Loose) => void): string => {
  const body = structuredClone(baseJson);
  mutate(body);
  return JSON.stringify(body);
};
const ID = 'data%5BFIELDS%5D%5BID%5D=24';
const TYPE = 'data%5BFIELDS%5D%5BENTITY_TYPE_ID%5D=1220';

interface Case {
  name: string;
  status: number;
  body: string | Buffer;
  type?: string | null;
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** Part of the error message the answer must carry. */
  says?: string;
}

const cases: Case[] = [
  // encoding
  { name: 'bad percent-encoding', status: 400, body: base + '&x=%zz', says: 'percent-encoding' },
  { name: 'truncated percent sequence', status: 400, body: base + '&x=%E0%A4%A', says: 'percent-encoding' },
  { name: 'percent-encoded invalid UTF-8', status: 400, body: base + '&x=%FF%FE', says: 'percent-encoding' },
  { name: 'raw invalid UTF-8 bytes', status: 400, body: Buffer.concat([Buffer.from(base + '&x='), Buffer.from([0xff, 0xfe, 0xc3])]), says: 'UTF-8' },
  { name: 'invalid UTF-8 in JSON', status: 400, type: JSON_TYPE, body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), says: 'UTF-8' },
  // prototype pollution
  { name: '__proto__ key', status: 400, body: '__proto__%5Bpolluted%5D=1&' + base, says: '__proto__' },
  { name: 'constructor[prototype] key', status: 400, body: 'constructor%5Bprototype%5D%5Bx%5D=1&' + base, says: 'constructor' },
  { name: 'nested __proto__', status: 400, body: base + '&data%5B__proto__%5D%5Bx%5D=1', says: '__proto__' },
  { name: 'JSON __proto__', status: 400, type: JSON_TYPE, body: '{"__proto__":{"polluted":1},' + formToJson(base).slice(1), says: '__proto__' },
  { name: 'JSON constructor in auth', status: 400, type: JSON_TYPE, body: withJson((b) => (b.auth.constructor = { prototype: { x: 1 } })), says: 'constructor' },
  // shape and size
  { name: '1000-deep brackets', status: 400, body: base + '&a' + '%5Bb%5D'.repeat(1000) + '=1', says: 'too long' },
  { name: '5-deep brackets', status: 400, body: base + '&a' + '%5Bb%5D'.repeat(5) + '=1', says: 'deeper' },
  { name: '1000-deep JSON', status: 400, type: JSON_TYPE, body: '{"a":'.repeat(1000) + '1' + '}'.repeat(1000), says: 'deeper' },
  { name: '10,000 parameters', status: 400, body: base + '&a=1'.repeat(10_000).replace(/a=1/g, (_m, i: number) => `a${i}=1`).slice(0, 60_000).replace(/&[^&]*$/, ''), says: 'parameters' },
  { name: '10,000 repeated empty parameters', status: 400, body: base + '&a='.repeat(10_000), says: 'parameters' },
  { name: 'oversize body', status: 413, body: base + '&pad=' + 'x'.repeat(70_000), says: 'larger' },
  { name: 'oversize declared length', status: 413, body: base, headers: { 'Content-Length': 10_000_000 }, says: 'larger' },
  { name: 'array where an object belongs', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5B%5D=24'), says: 'array' },
  { name: 'array of data', status: 400, body: base + '&data%5B%5D=1', says: 'array' },
  { name: 'value where a group belongs', status: 400, body: base.replace(ID + '&' + TYPE, 'data=24'), says: 'data' },
  { name: 'JSON array where object belongs', status: 400, type: JSON_TYPE, body: withJson((b) => (b.data.FIELDS = [24])), says: 'array' },
  { name: 'JSON top-level array', status: 400, type: JSON_TYPE, body: '[1,2]', says: 'object' },
  { name: 'JSON null', status: 400, type: JSON_TYPE, body: 'null', says: 'object' },
  { name: 'not JSON', status: 400, type: JSON_TYPE, body: '{"event":', says: 'JSON' },
  { name: 'parameter given twice', status: 400, body: base + '&event=ONCRMDEALDELETE', says: 'more than once' },
  { name: 'malformed bracket key', status: 400, body: base + '&data%5BFIELDS%5BX%5D=1', says: 'malformed' },
  { name: 'stray closing bracket', status: 400, body: base + '&a%5D=1', says: 'malformed' },
  { name: 'empty body', status: 400, body: '', says: 'empty' },
  { name: 'only separators', status: 400, body: '&&&', says: 'event' },
  // content types
  { name: 'text/plain', status: 415, type: 'text/plain', body: base },
  { name: 'multipart/form-data', status: 415, type: 'multipart/form-data; boundary=x', body: base },
  { name: 'no content type', status: 415, type: null, body: base },
  { name: 'latin1 charset', status: 415, type: `${FORM}; charset=iso-8859-1`, body: base },
  // fields
  { name: 'non-numeric item id', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=abc'), says: 'data[FIELDS][ID]' },
  { name: 'negative item id', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=-5'), says: 'data[FIELDS][ID]' },
  { name: 'huge item id', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=99999999999999999999'), says: 'data[FIELDS][ID]' },
  { name: 'item id beyond 2^53', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=9007199254740993'), says: 'too large' },
  { name: 'zero item id', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=0'), says: 'data[FIELDS][ID]' },
  { name: 'fractional item id', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=1.5'), says: 'data[FIELDS][ID]' },
  { name: 'item id with spaces', status: 400, body: swap(ID, 'data%5BFIELDS%5D%5BID%5D=+24'), says: 'data[FIELDS][ID]' },
  { name: 'JSON numeric id 1e21', status: 400, type: JSON_TYPE, body: withJson((b) => (b.data.FIELDS.ID = 1e21)), says: 'data[FIELDS][ID]' },
  { name: 'JSON negative id', status: 400, type: JSON_TYPE, body: withJson((b) => (b.data.FIELDS.ID = -5)), says: 'data[FIELDS][ID]' },
  { name: 'non-numeric entity type', status: 400, body: swap(TYPE, 'data%5BFIELDS%5D%5BENTITY_TYPE_ID%5D=smart'), says: 'ENTITY_TYPE_ID' },
  { name: 'missing entity type', status: 400, body: swap('&' + TYPE, ''), says: 'data[FIELDS][ENTITY_TYPE_ID] is required' },
  { name: 'type contradicting the event suffix', status: 400, body: swap('event=ONCRMDYNAMICITEMDELETE', 'event=ONCRMDYNAMICITEMDELETE_147'), says: 'contradicts' },
  { name: 'missing item id', status: 400, body: swap(ID + '&', ''), says: 'data[FIELDS][ID] is required' },
  { name: 'non-numeric ts', status: 400, body: swap('ts=1723538150', 'ts=yesterday'), says: 'ts' },
  { name: 'negative ts', status: 400, body: swap('ts=1723538150', 'ts=-1723538150'), says: 'ts' },
  { name: 'ts far in the future', status: 400, body: swap('ts=1723538150', 'ts=99999999999'), says: 'ts is out of range' },
  { name: 'missing ts', status: 400, body: swap('&ts=1723538150', ''), says: 'ts is required' },
  { name: 'event with markup', status: 400, body: swap('event=ONCRMDYNAMICITEMDELETE', 'event=ONCRM%3Cscript%3E'), says: 'event' },
  { name: 'event of 101 characters', status: 400, body: swap('event=ONCRMDYNAMICITEMDELETE', 'event=' + 'A'.repeat(101)), says: 'event' },
  { name: 'missing event', status: 400, body: swap('event=ONCRMDYNAMICITEMDELETE&', ''), says: 'event is required' },
  { name: 'missing domain', status: 400, body: swap('&auth%5Bdomain%5D=some-domain.bitrix24.com', ''), says: 'auth[domain] is required' },
  { name: 'domain with a space', status: 400, body: swap('auth%5Bdomain%5D=some-domain.bitrix24.com', 'auth%5Bdomain%5D=evil+domain'), says: 'auth[domain]' },
  { name: 'formula in the domain', status: 400, body: swap('auth%5Bdomain%5D=some-domain.bitrix24.com', 'auth%5Bdomain%5D=%3Dcmd%7C%27+%2FC+calc%27%21A0'), says: 'auth[domain]' },
  { name: 'javascript: client endpoint', status: 400, body: swap('https%3A%2F%2Fsome-domain.bitrix24.com%2Frest%2F', 'javascript%3Aalert(1)'), says: 'client_endpoint' },
  { name: 'auth as a value', status: 400, type: JSON_TYPE, body: withJson((b) => (b.auth = 'token')), says: 'auth' },
  // tokens
  { name: 'missing application token', status: 401, body: swap('&auth%5Bapplication_token%5D=51856fefc120afa4b628cc82d3935cce', ''), says: 'application_token' },
  { name: 'unknown application token', status: 401, body: swap('51856fefc120afa4b628cc82d3935cce', '00000000000000000000000000000000'), says: 'unknown' },
  { name: 'token differing in the last character', status: 401, body: swap('51856fefc120afa4b628cc82d3935cce', '51856fefc120afa4b628cc82d3935ccf'), says: 'unknown' },
  // routes and methods
  { name: 'GET /', status: 405, method: 'GET', body: '' },
  { name: 'PUT /', status: 405, method: 'PUT', body: base },
  { name: 'OPTIONS / (preflight)', status: 405, method: 'OPTIONS', body: '' },
  { name: 'POST to another path', status: 404, path: '/admin', body: base },
  { name: 'path traversal', status: 404, path: '/../settings.json', body: '' },
];

describe('hostile bodies', () => {
  it(`answers each of ${cases.length} malformed or hostile requests with its documented code, stores nothing, stays up`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const seen: string[] = [];
    for (const c of cases) {
      const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(c.body), ...c.headers };
      if (c.type !== null) headers['Content-Type'] = c.type ?? FORM;
      const response = await request(port, { method: c.method ?? 'POST', path: c.path ?? '/', headers, body: c.headers?.['Content-Length'] ? undefined : c.body });
      seen.push(`${c.name}: ${response.status}`);
      expect(response.status, `${c.name} → ${response.text}`).toBe(c.status);
      const answer = response.json();
      expect(Object.keys(answer), c.name).toEqual(['error']);
      expect(answer.error.length, c.name).toBeLessThan(200);
      if (c.says) expect(answer.error, c.name).toContain(c.says);
      expect(core.store.total, c.name).toBe(0);
    }
    // Still alive and still storing real events.
    expect((await request(port, { method: 'GET', path: '/health' })).status).toBe(200);
    const ok = await request(port, { body: base, headers: { 'Content-Type': FORM } });
    expect(ok.status).toBe(200);
    expect(core.store.total).toBe(1);
    expect(Object.prototype).not.toHaveProperty('polluted');
    console.log(`hostile bodies: ${cases.length} cases answered as documented`);
  });
});

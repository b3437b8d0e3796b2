/**
 * Real Bitrix24 deletion bodies for the load: the form fixture with the item id and `ts` rewritten per
 * request (unique ids, current Unix seconds), split once so building a body is two string joins.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURE = 'test/fixtures/dynamic-item-delete-no-user.form';
/** The application token the fixture carries (passed to `serve --token`). */
export const FIXTURE_TOKEN = '51856fefc120afa4b628cc82d3935cce';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Item ids at or above this are the live-latency scenario's marked events. */
export const MARKED_ID_BASE = 900_000_000;

const ID_FIELD = 'data%5BFIELDS%5D%5BID%5D=';

export type BodyMaker = (itemId: number, unixSeconds: number) => string;

/** The fixture split around its item id and `ts` values (also used by bench/lib/wrk.ts's Lua script). */
export function bodyParts(root = process.cwd()): { head: string; middle: string; tail: string; idFirst: boolean } {
  const form = readFileSync(path.join(root, FIXTURE), 'utf8').trim();
  const params = form.split('&');
  const idAt = params.findIndex((p) => p.startsWith(ID_FIELD));
  const tsAt = params.findIndex((p) => p.startsWith('ts='));
  if (idAt < 0 || tsAt < 0) throw new Error(`${FIXTURE} has no ${ID_FIELD} or ts= field`);
  const template = params.map((p, i) => (i === idAt ? `${ID_FIELD}\u0001` : i === tsAt ? 'ts=\u0002' : p)).join('&');
  const [head, middle, tail] = template.split(/[\u0001\u0002]/) as [string, string, string];
  return { head, middle, tail, idFirst: idAt < tsAt };
}

/** Splits the fixture around its item id and `ts` values. */
export function bodyMaker(root = process.cwd()): BodyMaker {
  const { head, middle, tail, idFirst } = bodyParts(root);
  return idFirst ? (itemId, ts) => head + itemId + middle + ts + tail : (itemId, ts) => head + ts + middle + itemId + tail;
}

/** Current Unix seconds (what the portal puts in `ts`). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const FIXTURE_DIR = path.resolve('test/fixtures');

/** The application token of the seed fixtures (dynamic-item-delete*, smart-invoice-*). */
export const SEED_TOKEN = '51856fefc120afa4b628cc82d3935cce';
/** The outgoing webhook's token (outgoing-webhook-deal-delete.form). */
export const WEBHOOK_TOKEN = '9f0c2d7e5b1a4c3d8e6f7a9b0c1d2e3f';
/** OAuth tokens the seed fixtures carry: they must never reach disk. */
export const SEED_SECRETS = ['s6p6eclrvim6da22ft9ch94ekreb52lv', '4s386p3q0tr8dy89xvmt96234v3dljg8', SEED_TOKEN, WEBHOOK_TOKEN];

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURE_DIR, name), 'utf8');
}

export function fixtureNames(ext: 'form' | 'json'): string[] {
  return readdirSync(FIXTURE_DIR).filter((n) => n.endsWith(`.${ext}`)).sort();
}

/** A form fixture re-encoded as the JSON the docs show (every value a string). */
export function formToJson(form: string): string {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(form)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return JSON.stringify(root);
}

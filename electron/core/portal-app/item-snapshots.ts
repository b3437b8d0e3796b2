/**
 * Reading CRM items into snapshots: which add/update events feed them, what `crm.item.list` is asked
 * for per type, how an answer's item becomes a snapshot, and the coalesced fetch of items by id (up to
 * 50 ids a call, up to 50 calls a `batch`) that the add/update events trigger.
 */
import type { RestClient } from './rest-client.js';
import type { StoredSnapshot } from './snapshot-store.js';

/** Add/update events of the deletion family, with their fixed type (null: `data.FIELDS.ENTITY_TYPE_ID`). */
export const ITEM_CHANGE_EVENTS: Readonly<Record<string, number | null>> = {
  ONCRMLEADADD: 1,
  ONCRMLEADUPDATE: 1,
  ONCRMDEALADD: 2,
  ONCRMDEALUPDATE: 2,
  ONCRMCONTACTADD: 3,
  ONCRMCONTACTUPDATE: 3,
  ONCRMCOMPANYADD: 4,
  ONCRMCOMPANYUPDATE: 4,
  ONCRMQUOTEADD: 7,
  ONCRMQUOTEUPDATE: 7,
  ONCRMDYNAMICITEMADD: null,
  ONCRMDYNAMICITEMUPDATE: null,
};

export const ITEM_CHANGE_EVENT_NAMES: readonly string[] = Object.keys(ITEM_CHANGE_EVENTS);

/** Types `crm.item.*` reads among the deletion family (old invoices, type 5, are not items). */
export function isSnapshotType(entityTypeId: number): boolean {
  return [1, 2, 3, 4, 7, 31].includes(entityTypeId) || (entityTypeId >= 128 && entityTypeId <= 192) || (entityTypeId >= 1030 && entityTypeId % 2 === 0);
}

const positiveId = (value: unknown): number | null => {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** The item an add/update event names (`data.FIELDS.ID`, and `ENTITY_TYPE_ID` for dynamic items), or null. */
export function itemOfEvent(event: string, data: unknown): { entityTypeId: number; id: number } | null {
  if (!Object.hasOwn(ITEM_CHANGE_EVENTS, event)) return null;
  const fields = data && typeof data === 'object' ? (data as Record<string, unknown>)['FIELDS'] : undefined;
  if (!fields || typeof fields !== 'object') return null;
  const f = fields as Record<string, unknown>;
  const id = positiveId(f['ID']);
  const entityTypeId = ITEM_CHANGE_EVENTS[event] ?? positiveId(f['ENTITY_TYPE_ID']);
  return id !== null && entityTypeId !== null && isSnapshotType(entityTypeId) ? { entityTypeId, id } : null;
}

/** Fields asked of `crm.item.list`: contacts have names instead of a title; contacts and companies no amount. */
export function selectFor(entityTypeId: number): string[] {
  if (entityTypeId === 3) return ['id', 'name', 'secondName', 'lastName', 'assignedById', 'updatedTime'];
  if (entityTypeId === 4) return ['id', 'title', 'assignedById', 'updatedTime'];
  return ['id', 'title', 'assignedById', 'opportunity', 'currencyId', 'updatedTime'];
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 500) : null);
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

/** One answer item as a snapshot, with its id; null when it has no id. */
export function snapshotOfItem(item: unknown, takenAt: number): { id: number; snapshot: StoredSnapshot } | null {
  if (!item || typeof item !== 'object') return null;
  const r = item as Record<string, unknown>;
  const id = positiveId(r['id']);
  if (id === null) return null;
  const person = ['name', 'secondName', 'lastName'].map((k) => text(r[k])).filter(Boolean).join(' ');
  const updated = typeof r['updatedTime'] === 'string' ? Date.parse(r['updatedTime']) : NaN;
  const responsible = positiveId(r['assignedById']);
  return {
    id,
    snapshot: {
      title: text(r['title']) ?? (person || null),
      amount: num(r['opportunity']),
      currency: text(r['currencyId']),
      responsibleId: responsible,
      updatedAt: Number.isFinite(updated) ? updated : null,
      takenAt,
    },
  };
}

/** `items` of a `crm.item.list` answer. */
export function itemsOfAnswer(result: unknown): unknown[] {
  const items = result && typeof result === 'object' ? (result as Record<string, unknown>)['items'] : undefined;
  return Array.isArray(items) ? items : [];
}

/**
 * Fetches items by id, per type: 50 ids a `crm.item.list` call (`@id` filter), 50 calls a `batch`.
 * Items the portal no longer has are simply absent. Per-command errors are thrown (the caller retries).
 */
export async function fetchItemsById(
  rest: RestClient,
  wanted: ReadonlyMap<number, readonly number[]>,
  now = Date.now,
): Promise<Map<number, { id: number; snapshot: StoredSnapshot }[]>> {
  const commands: { key: string; entityTypeId: number; call: [string, Record<string, unknown>] }[] = [];
  for (const [entityTypeId, ids] of wanted) {
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      commands.push({ key: `t${entityTypeId}_${i / 50}`, entityTypeId, call: ['crm.item.list', { entityTypeId, select: selectFor(entityTypeId), filter: { '@id': chunk }, start: -1 }] });
    }
  }
  const out = new Map<number, { id: number; snapshot: StoredSnapshot }[]>();
  for (let i = 0; i < commands.length; i += 50) {
    const chunk = commands.slice(i, i + 50);
    const answer = await rest.batch(Object.fromEntries(chunk.map((c) => [c.key, c.call])));
    const failed = Object.values(answer.errors)[0];
    if (failed) throw new Error(`crm.item.list failed: ${failed.error} ${failed.error_description}`);
    const takenAt = now();
    for (const c of chunk) {
      const list = out.get(c.entityTypeId) ?? [];
      for (const item of itemsOfAnswer(answer.result[c.key])) {
        const snap = snapshotOfItem(item, takenAt);
        if (snap) list.push(snap);
      }
      out.set(c.entityTypeId, list);
    }
  }
  return out;
}

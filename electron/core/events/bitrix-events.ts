/**
 * Bitrix24 deletion events and CRM entity types (see shared/BITRIX24.md).
 */

/** Deletion events whose entity type is fixed by the event itself (their `data.FIELDS` holds only `ID`). */
const FIXED_TYPE_EVENTS: Readonly<Record<string, number>> = {
  ONCRMLEADDELETE: 1,
  ONCRMDEALDELETE: 2,
  ONCRMCONTACTDELETE: 3,
  ONCRMCOMPANYDELETE: 4,
  ONCRMINVOICEDELETE: 5,
  ONCRMQUOTEDELETE: 7,
};

export const DYNAMIC_ITEM_DELETE = 'ONCRMDYNAMICITEMDELETE';

/** Every deletion event name the monitor records, for pickers and docs (`_N` variants aside). */
export const DELETION_EVENTS: readonly string[] = [DYNAMIC_ITEM_DELETE, ...Object.keys(FIXED_TYPE_EVENTS)];

/** Event names as the portal may send them: Latin letters, digits, underscores, 1-100 characters. */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9_]{1,100}$/;

const DYNAMIC_VARIANT = /^ONCRMDYNAMICITEMDELETE_([1-9][0-9]{0,9})$/;

export type EventKind =
  | { kind: 'fixed'; entityTypeId: number }
  | { kind: 'dynamic'; entityTypeId: number | null }
  | { kind: 'other' };

/** The kinds of the common names, made once (classifyEvent runs for every event). */
const FIXED_KINDS: ReadonlyMap<string, EventKind> = new Map(
  Object.entries(FIXED_TYPE_EVENTS).map(([name, entityTypeId]) => [name, Object.freeze({ kind: 'fixed', entityTypeId })] as const),
);
const DYNAMIC_KIND: EventKind = Object.freeze({ kind: 'dynamic', entityTypeId: null });
const OTHER_KIND: EventKind = Object.freeze({ kind: 'other' });

/** Classifies an upper-cased event name: a deletion with a fixed type, a dynamic-item deletion, or other. */
export function classifyEvent(upperName: string): EventKind {
  if (upperName === DYNAMIC_ITEM_DELETE) return DYNAMIC_KIND;
  const fixed = FIXED_KINDS.get(upperName);
  if (fixed !== undefined) return fixed;
  const variant = DYNAMIC_VARIANT.exec(upperName);
  if (variant) return { kind: 'dynamic', entityTypeId: Number(variant[1]) };
  return OTHER_KIND;
}

const ENTITY_TYPE_LABELS: Readonly<Record<number, string>> = {
  1: 'Lead',
  2: 'Deal',
  3: 'Contact',
  4: 'Company',
  5: 'Invoice',
  7: 'Estimate',
  8: 'Requisite',
  14: 'Order',
  31: 'Invoice',
};

/** Human label of a CRM entity type id; smart processes read "Smart process N". */
export function entityTypeLabel(entityTypeId: number): string {
  return ENTITY_TYPE_LABELS[entityTypeId] ?? `Smart process ${entityTypeId}`;
}

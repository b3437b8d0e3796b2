/**
 * The deletion filter as the renderer handles it: normalised the way the core normalises it, keyed for
 * change detection, and matched locally so pushed rows join the filtered view at once.
 */
import { isTestDeletion, type DeletionFilter, type DeletionRecord } from '../../../electron/core/contract';

/** Drops empty parts; upper-cases the event and lower-cases the portal, as the core does. */
export function normalizeFilter(filter: DeletionFilter): DeletionFilter {
  const out: DeletionFilter = {};
  if (filter.event) out.event = filter.event.toUpperCase();
  if (filter.entityTypeId !== undefined) out.entityTypeId = filter.entityTypeId;
  if (filter.portal) out.portal = filter.portal.toLowerCase();
  if (filter.itemId !== undefined) out.itemId = filter.itemId;
  if (filter.from !== undefined) out.from = filter.from;
  if (filter.to !== undefined) out.to = filter.to;
  if (filter.includeTests) out.includeTests = true;
  return out;
}

/** A string that changes exactly when the filter's meaning changes. */
export function filterKey(filter: DeletionFilter): string {
  const f = normalizeFilter(filter);
  return JSON.stringify([f.event, f.entityTypeId, f.portal, f.itemId, f.from, f.to, f.includeTests === true]);
}

export function isFilterEmpty(filter: DeletionFilter): boolean {
  return Object.keys(normalizeFilter(filter)).length === 0;
}

/** Same rule as the store: every given part must match; `from` inclusive, `to` exclusive; tests only when asked. */
export function matchesFilter(record: DeletionRecord, filter: DeletionFilter): boolean {
  const f = normalizeFilter(filter);
  return (
    (f.includeTests === true || !isTestDeletion(record)) &&
    (f.event === undefined || record.event === f.event) &&
    (f.entityTypeId === undefined || record.entityTypeId === f.entityTypeId) &&
    (f.portal === undefined || record.portal === f.portal) &&
    (f.itemId === undefined || record.itemId === f.itemId) &&
    (f.from === undefined || record.receivedAt >= f.from) &&
    (f.to === undefined || record.receivedAt < f.to)
  );
}

/**
 * Filters of the live view (and of the export): event, entity type, portal, item id, date range.
 * Pickers list what the log holds (listFacets). Dates are whole local days, "to" included.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { DeletionFilter } from '../../../electron/core/contract';
import type { Facets } from '../hooks/use-facets';
import { useI18n } from '../i18n/i18n-context';
import { isFilterEmpty } from '../lib/filter';
import { parseItemId } from '../lib/validation';

const ITEM_ID_DELAY_MS = 300;
const DAY_MS = 86_400_000;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD` of a local day. */
export function dayText(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD` day, or null. */
export function dayStart(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/** Local midnight after the given day (the exclusive end of a range that includes it). */
export function nextDayStart(text: string): number | null {
  const start = dayStart(text);
  if (start === null) return null;
  const d = new Date(start + DAY_MS + 3 * 3_600_000); // past any daylight-saving shift
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** `14:00` in local time. */
function hourText(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The hours of a range that is not whole local days (a bar of the activity view's hourly chart), else
 * null: the date boxes can show only days, so the hours are said beside them.
 */
export function partOfDay(filter: DeletionFilter): { from: string; to: string } | null {
  const { from, to } = filter;
  if (from === undefined || to === undefined) return null;
  const wholeDays = dayStart(dayText(from)) === from && nextDayStart(dayText(to - 1)) === to;
  return wholeDays ? null : { from: hourText(from), to: hourText(to) };
}

export interface FilterBarProps {
  filter: DeletionFilter;
  onChange: (filter: DeletionFilter) => void;
  facets: Facets;
  /** Bumped to move focus into the filter (Ctrl/Cmd+F). */
  focusRequest: number;
}

export function FilterBar({ filter, onChange, facets, focusRequest }: FilterBarProps) {
  const { t, entityType } = useI18n();
  const id = useId();
  const itemRef = useRef<HTMLInputElement>(null);
  const [itemText, setItemText] = useState(filter.itemId?.toString() ?? '');
  const [fromText, setFromText] = useState(filter.from !== undefined ? dayText(filter.from) : '');
  const [toText, setToText] = useState(filter.to !== undefined ? dayText(filter.to - 1) : '');
  const latest = useRef({ filter, onChange });
  latest.current = { filter, onChange };

  // Follow changes made elsewhere (e.g. "Clear filters" in the empty table).
  useEffect(() => {
    setItemText((text) => (parseItemId(text) === (filter.itemId ?? null) ? text : (filter.itemId?.toString() ?? '')));
  }, [filter.itemId]);
  useEffect(() => {
    setFromText((text) => (dayStart(text) === (filter.from ?? null) ? text : filter.from !== undefined ? dayText(filter.from) : ''));
  }, [filter.from]);
  useEffect(() => {
    setToText((text) => (nextDayStart(text) === (filter.to ?? null) ? text : filter.to !== undefined ? dayText(filter.to - 1) : ''));
  }, [filter.to]);

  useEffect(() => {
    if (focusRequest === 0) return;
    itemRef.current?.focus();
    itemRef.current?.select();
  }, [focusRequest]);

  const itemId = parseItemId(itemText);
  useEffect(() => {
    if (itemId === 'invalid' || itemId === (latest.current.filter.itemId ?? null)) return;
    const timer = setTimeout(() => {
      const { filter: current, onChange: change } = latest.current;
      change({ ...current, itemId: itemId ?? undefined });
    }, ITEM_ID_DELAY_MS);
    return () => clearTimeout(timer);
  }, [itemId]);

  const from = fromText ? dayStart(fromText) : null;
  const to = toText ? nextDayStart(toText) : null;
  const rangeInvalid = from !== null && to !== null && to <= from;
  const hours = partOfDay(filter);

  const setRange = (nextFrom: string, nextTo: string) => {
    setFromText(nextFrom);
    setToText(nextTo);
    const f = nextFrom ? dayStart(nextFrom) : null;
    const e = nextTo ? nextDayStart(nextTo) : null;
    if (f !== null && e !== null && e <= f) return;
    onChange({ ...filter, from: f ?? undefined, to: e ?? undefined });
  };

  const events = filter.event && !facets.events.includes(filter.event) ? [filter.event, ...facets.events] : facets.events;
  const portals = filter.portal && !facets.portals.includes(filter.portal) ? [filter.portal, ...facets.portals] : facets.portals;
  const types =
    filter.entityTypeId !== undefined && !facets.entityTypeIds.includes(filter.entityTypeId)
      ? [filter.entityTypeId, ...facets.entityTypeIds]
      : facets.entityTypeIds;

  return (
    <form className="filter-bar" role="search" aria-label={t('filter.label')} onSubmit={(e) => e.preventDefault()}>
      <div className="field field-compact">
        <label htmlFor={`${id}-event`}>{t('filter.event')}</label>
        <select id={`${id}-event`} value={filter.event ?? ''} onChange={(e) => onChange({ ...filter, event: e.target.value || undefined })}>
          <option value="">{t('filter.all')}</option>
          {events.map((event) => (
            <option key={event} value={event}>
              {event}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-compact">
        <label htmlFor={`${id}-type`}>{t('filter.entityType')}</label>
        <select
          id={`${id}-type`}
          value={filter.entityTypeId?.toString() ?? ''}
          onChange={(e) => onChange({ ...filter, entityTypeId: e.target.value ? Number(e.target.value) : undefined })}
        >
          <option value="">{t('filter.all')}</option>
          {types.map((type) => (
            <option key={type} value={type}>
              {`${facets.entityTypeNames?.[type] ?? entityType(type)} (${type})`}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-compact">
        <label htmlFor={`${id}-portal`}>{t('filter.portal')}</label>
        <select id={`${id}-portal`} value={filter.portal ?? ''} onChange={(e) => onChange({ ...filter, portal: e.target.value || undefined })}>
          <option value="">{t('filter.all')}</option>
          {portals.map((portal) => (
            <option key={portal} value={portal}>
              {portal}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-compact field-item">
        <label htmlFor={`${id}-item`}>{t('filter.itemId')}</label>
        <input
          ref={itemRef}
          id={`${id}-item`}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
          value={itemText}
          onChange={(e) => setItemText(e.target.value)}
          aria-invalid={itemId === 'invalid' || undefined}
          aria-describedby={itemId === 'invalid' ? `${id}-item-error` : undefined}
          aria-keyshortcuts="Control+F Meta+F"
          placeholder={t('filter.shortcut')}
        />
        {itemId === 'invalid' && (
          <span id={`${id}-item-error`} className="field-error" role="alert">
            {t('filter.itemIdInvalid')}
          </span>
        )}
      </div>
      <div className="field field-compact field-date">
        <label htmlFor={`${id}-from`}>{t('filter.from')}</label>
        <input id={`${id}-from`} type="date" value={fromText} max={toText || undefined} onChange={(e) => setRange(e.target.value, toText)} />
      </div>
      <div className="field field-compact field-date">
        <label htmlFor={`${id}-to`}>{t('filter.to')}</label>
        <input
          id={`${id}-to`}
          type="date"
          value={toText}
          min={fromText || undefined}
          onChange={(e) => setRange(fromText, e.target.value)}
          aria-invalid={rangeInvalid || undefined}
          aria-describedby={rangeInvalid ? `${id}-range-error` : undefined}
        />
        {rangeInvalid && (
          <span id={`${id}-range-error`} className="field-error" role="alert">
            {t('filter.rangeInvalid')}
          </span>
        )}
        {hours && (
          <span className="field-hint filter-hours" role="status">
            {t('filter.hours', hours)}
          </span>
        )}
      </div>
      <div className="field field-compact field-check">
        <input
          id={`${id}-tests`}
          type="checkbox"
          checked={filter.includeTests === true}
          onChange={(e) => onChange({ ...filter, includeTests: e.target.checked || undefined })}
        />
        <label htmlFor={`${id}-tests`} title={t('filter.testsHint')}>
          {t('filter.tests')}
        </label>
      </div>
      <button
        type="button"
        className="btn btn-ghost filter-clear"
        disabled={isFilterEmpty(filter) && !itemText && !fromText && !toText}
        onClick={() => {
          setItemText('');
          setFromText('');
          setToText('');
          onChange({});
        }}
      >
        {t('filter.clear')}
      </button>
    </form>
  );
}

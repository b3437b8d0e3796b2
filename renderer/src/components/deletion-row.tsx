/** One row of the live table (or its placeholder while its page loads). */
import { memo } from 'react';
import { isTestDeletion, type DeletionRecord } from '../../../electron/core/contract';
import type { I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/en';
import { inBurst, useAppPortals, useBursts } from '../hooks/use-app-portals';

/** Columns in CSV order. */
export const COLUMNS: readonly { id: string; label: MessageKey }[] = [
  { id: 'received', label: 'table.col.receivedAt' },
  { id: 'sent', label: 'table.col.sentAt' },
  { id: 'event', label: 'table.col.event' },
  { id: 'type', label: 'table.col.entityType' },
  { id: 'type-id', label: 'table.col.entityTypeId' },
  { id: 'item', label: 'table.col.itemId' },
  { id: 'portal', label: 'table.col.portal' },
  { id: 'member', label: 'table.col.memberId' },
  { id: 'by-user', label: 'table.col.byUser' },
  { id: 'user', label: 'table.col.userId' },
];

/** The type as the portal names it (application mode), else our label. */
export function typeName(record: DeletionRecord, i18n: I18n): string {
  return record.entityTypeName ?? i18n.entityType(record.entityTypeId);
}

function timeTitle(ms: number, i18n: I18n): string {
  return i18n.t('table.timeTitle', { local: i18n.dateTimeLong(ms), utc: new Date(ms).toISOString() });
}

export interface DeletionRowProps {
  record: DeletionRecord | undefined;
  index: number;
  top: number;
  fresh: boolean;
  /** Stripe by the row's stable position, so stripes neither flip on scroll nor when rows arrive. */
  odd: boolean;
  i18n: I18n;
  /** Opens the row's detail (click, Enter or Space on the focused row). */
  onOpen?: (record: DeletionRecord) => void;
}

export const DeletionRow = memo(function DeletionRow({ record, index, top, fresh, odd, i18n, onOpen }: DeletionRowProps) {
  // Hooks first: a row turns from a placeholder into a record without remounting.
  const appPortals = useAppPortals();
  const bursts = useBursts();
  const style = { transform: `translateY(${top}px)` };
  if (!record) {
    return (
      <div className={odd ? 'row row-placeholder row-odd' : 'row row-placeholder'} role="row" aria-rowindex={index + 2} aria-busy="true" style={style}>
        {COLUMNS.map((c) => (
          <div key={c.id} role="cell" className={`cell col-${c.id}`}>
            <span className="skeleton" />
          </div>
        ))}
      </div>
    );
  }
  const none = i18n.t('common.none');
  const burst = inBurst(record, bursts);
  // Ids are plain digits: String(), never a number format with group separators.
  return (
    <div
      className={`row${odd ? ' row-odd' : ''}${fresh ? ' is-fresh' : ''}${burst ? ' row-burst' : ''}${onOpen ? ' row-openable' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      style={style}
      data-id={record.id}
      tabIndex={onOpen ? 0 : undefined}
      onClick={onOpen && (() => onOpen(record))}
      onKeyDown={
        onOpen &&
        ((e) => {
          if (e.key !== 'Enter' && e.key !== ' ') return;
          e.preventDefault();
          onOpen(record);
        })
      }
    >
      <div role="cell" className="cell col-received mono" title={timeTitle(record.receivedAt, i18n)}>
        {i18n.dateTime(record.receivedAt)}
      </div>
      <div role="cell" className="cell col-sent mono" title={timeTitle(record.sentAt, i18n)}>
        {i18n.dateTime(record.sentAt)}
      </div>
      <div role="cell" className="cell col-event mono" title={record.event}>
        {record.event}
      </div>
      <div role="cell" className="cell col-type" title={record.snapshot?.title ? `${typeName(record, i18n)} · ${record.snapshot.title}` : typeName(record, i18n)}>
        {typeName(record, i18n)}
        {record.snapshot?.title && <span className="item-title"> · {record.snapshot.title}</span>}
      </div>
      <div role="cell" className="cell col-type-id num">
        {String(record.entityTypeId)}
      </div>
      <div role="cell" className="cell col-item num">
        {String(record.itemId)}
      </div>
      <div role="cell" className="cell col-portal" title={record.portal}>
        {isTestDeletion(record) ? <span className="badge badge-test">{i18n.t('table.testEvent')}</span> : record.portal}
      </div>
      <div role="cell" className="cell col-member mono" title={record.memberId ?? undefined}>
        {record.memberId ?? none}
      </div>
      <div role="cell" className="cell col-by-user">
        <span className={record.byUser ? 'flag flag-yes' : 'flag'}>{record.byUser ? i18n.t('common.yes') : i18n.t('common.no')}</span>
      </div>
      <div role="cell" className={record.userId === null || record.userName ? 'cell col-user' : 'cell col-user num'} title={record.userName && record.userId !== null ? `${record.userName} (${record.userId})` : undefined}>
        {record.userName ?? (record.userId === null ? (appPortals.has(record.portal) ? i18n.t('table.automation') : none) : String(record.userId))}
      </div>
    </div>
  );
});

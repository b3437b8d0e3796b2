/**
 * The live table of deletions, newest first: virtual rows (only those in view are in the DOM), pages
 * loaded as they come into view, and new rows that never move what the user is reading.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import type { DeletionRecord } from '../../../electron/core/contract';
import type { DeletionLog } from '../hooks/use-deletion-log';
import { useRowWindow } from '../hooks/use-row-window';
import { errorMessage } from '../api/call-error';
import { useI18n } from '../i18n/i18n-context';
import { COLUMNS, DeletionRow } from './deletion-row';

export const ROW_HEIGHT = 32;

export interface DeletionTableProps {
  log: DeletionLog;
  filtered: boolean;
  onClearFilters: () => void;
  /** Viewport height to assume before layout (tests). */
  initialHeight?: number;
  /** Opens a row's detail. */
  onOpen?: (record: DeletionRecord) => void;
}

export function DeletionTable({ log, filtered, onClearFilters, initialHeight, onOpen }: DeletionTableProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { rows, snapshot, filterKey } = log;
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const view = useRowWindow(scrollRef, { count: snapshot.total, rowHeight: ROW_HEIGHT, resetKey: filterKey, initialHeight });
  const { first, last } = view;

  useEffect(() => {
    rows.need(first, last);
  }, [rows, first, last, snapshot.version]);

  const onScroll = () => {
    view.onScroll();
    if (headRef.current && scrollRef.current) headRef.current.scrollLeft = scrollRef.current.scrollLeft;
  };

  const items = [];
  for (let index = first; index <= last; index++) {
    items.push(
      <DeletionRow
        key={rows.keyAt(index)}
        index={index}
        record={rows.rowAt(index)}
        top={view.rowTop(index)}
        fresh={rows.isFresh(index)}
        odd={rows.keyAt(index) % 2 === 1}
        i18n={i18n}
        onOpen={onOpen}
      />,
    );
  }

  let message: ReactNode = null;
  if (snapshot.error && !snapshot.ready) {
    message = (
      <div className="table-message" role="alert">
        <p>{t('table.loadFailed', { error: errorMessage(snapshot.error) })}</p>
        <button type="button" className="btn" onClick={log.retry}>
          {t('app.retry')}
        </button>
      </div>
    );
  } else if (!snapshot.ready) {
    message = (
      <div className="table-message" role="status">
        {t('common.loading')}
      </div>
    );
  } else if (snapshot.total === 0) {
    message = (
      <div className="table-message" role="status">
        <p>{filtered ? t('table.emptyFiltered') : t('table.empty')}</p>
        {filtered && (
          <button type="button" className="btn" onClick={onClearFilters}>
            {t('filter.clear')}
          </button>
        )}
      </div>
    );
  }

  return (
    <div className="table" role="table" aria-label={t('table.label')} aria-rowcount={snapshot.total + 1} aria-busy={!snapshot.ready || undefined}>
      <div className="table-head" ref={headRef} role="rowgroup">
        <div className="row row-head" role="row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <div key={c.id} role="columnheader" className={`cell col-${c.id}`}>
              {t(c.label)}
            </div>
          ))}
        </div>
      </div>
      <div
        className="table-body"
        ref={scrollRef}
        role="rowgroup"
        tabIndex={0}
        aria-label={t('table.label')}
        onScroll={onScroll}
        onKeyDown={view.onKeyDown}
        data-scaled={view.scaled || undefined}
      >
        <div className="table-spacer" style={{ height: view.scrollHeight }}>
          {view.scaled ? (
            <div className="table-sticky" style={{ height: view.viewportHeight }}>
              {items}
            </div>
          ) : (
            items
          )}
        </div>
        {message}
      </div>
      <div className="new-rows" aria-live="polite">
        {view.newRows > 0 && (
          <button type="button" className="pill" onClick={view.jumpToNewest}>
            <span aria-hidden="true">↑</span> {t('table.jumpToNewest', { count: view.newRows })}
          </button>
        )}
      </div>
    </div>
  );
}
